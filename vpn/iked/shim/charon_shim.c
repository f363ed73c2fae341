/* Starting and stopping the embedded charon, and what it tells us (alerts,
 * IKE and CHILD SA up/down, rekeys) through the event callback. */
#include "shim.h"

#include <daemon.h>
#include <dlfcn.h>
#include <library.h>
#include <network/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static hnv_ike_backend_t backend;
static int started;

const hnv_ike_backend_t *hnv_shim_backend(void) { return &backend; }
int hnv_shim_started(void) { return started; }

static const char *alert_name(alert_t a) {
  switch (a) {
    case ALERT_LOCAL_AUTH_FAILED: return "local-auth-failed";
    case ALERT_PEER_AUTH_FAILED: return "peer-auth-failed";
    case ALERT_PEER_ADDR_FAILED: return "peer-address-failed";
    case ALERT_PEER_INIT_UNREACHABLE: return "peer-unreachable";
    case ALERT_RETRANSMIT_SEND_TIMEOUT: return "retransmit-timeout";
    case ALERT_PROPOSAL_MISMATCH_IKE: return "ike-proposal-mismatch";
    case ALERT_PROPOSAL_MISMATCH_CHILD: return "child-proposal-mismatch";
    case ALERT_TS_MISMATCH: return "traffic-selector-mismatch";
    case ALERT_INSTALL_CHILD_SA_FAILED: return "install-child-sa-failed";
    case ALERT_INSTALL_CHILD_POLICY_FAILED: return "install-child-policy-failed";
    case ALERT_IKE_SA_EXPIRED: return "ike-sa-expired";
    case ALERT_AUTHORIZATION_FAILED: return "authorization-failed";
    case ALERT_HALF_OPEN_TIMEOUT: return "half-open-timeout";
    default: return NULL;
  }
}

/* Why charon refused a certificate of the site's chain: the bus turns the
 * credential manager's hooks into these alerts while the IKE_AUTH job
 * checks the chain, on the thread that then raises ALERT_PEER_AUTH_FAILED
 * for the same IKE SA. */
static const char *cert_alert_name(alert_t a) {
  switch (a) {
    case ALERT_CERT_EXPIRED: return "peer-cert-expired";
    case ALERT_CERT_REVOKED: return "peer-cert-revoked";
    case ALERT_CERT_NO_ISSUER: return "peer-cert-untrusted";
    case ALERT_CERT_UNTRUSTED_ROOT: return "peer-cert-untrusted";
    default: return NULL;
  }
}

/* The last such reason on this thread, and the IKE SA it concerned. */
static __thread const char *cert_problem;
static __thread u_int cert_problem_sa;

static void emit(int kind, ike_sa_t *ike, child_sa_t *child, const char *what) {
  hnv_ike_event_t e;
  memset(&e, 0, sizeof(e));
  e.kind = kind;
  e.connection = ike ? ike->get_name(ike) : "";
  e.child = child ? child->get_name(child) : "";
  e.what = what ? what : "";
  if (child) {
    e.spi_in = ntohl(child->get_spi(child, TRUE));
    e.spi_out = ntohl(child->get_spi(child, FALSE));
  }
  if (backend.event) backend.event(backend.ctx, &e);
}

static bool on_alert(listener_t *this, ike_sa_t *ike, alert_t alert, va_list args) {
  const char *cert = cert_alert_name(alert);
  if (cert) {
    cert_problem = ike ? cert : NULL;
    cert_problem_sa = ike ? ike->get_unique_id(ike) : 0;
    return TRUE;
  }
  const char *name = alert_name(alert);
  if (alert == ALERT_PEER_AUTH_FAILED && cert_problem && ike && cert_problem_sa == ike->get_unique_id(ike)) {
    name = cert_problem; /* the precise reason instead of the generic one */
  }
  if (alert == ALERT_PEER_AUTH_FAILED) cert_problem = NULL;
  if (name) emit(HNV_EVENT_ALERT, ike, NULL, name);
  char next[64];
  if (alert == ALERT_PEER_INIT_UNREACHABLE && hnv_next_destination(ike, va_arg(args, u_int), next, sizeof(next))) {
    emit(HNV_EVENT_DESTINATION, ike, NULL, next);
  }
  return TRUE;
}

static bool on_ike_updown(listener_t *this, ike_sa_t *ike, bool up) {
  emit(up ? HNV_EVENT_IKE_UP : HNV_EVENT_IKE_DOWN, ike, NULL, NULL);
  return TRUE;
}

static bool on_child_updown(listener_t *this, ike_sa_t *ike, child_sa_t *child, bool up) {
  emit(up ? HNV_EVENT_CHILD_UP : HNV_EVENT_CHILD_DOWN, ike, child, NULL);
  return TRUE;
}

static bool on_child_rekey(listener_t *this, ike_sa_t *ike, child_sa_t *old, child_sa_t *new_sa) {
  emit(HNV_EVENT_CHILD_REKEYED, ike, new_sa, NULL);
  return TRUE;
}

static listener_t listener = {
    .alert = on_alert,
    .ike_updown = on_ike_updown,
    .child_updown = on_child_updown,
    .child_rekey = on_child_rekey,
};

/* A header compiled without Debian's build options (ME above all) shifts
 * daemon_t's members: the method pointers read here would then point
 * elsewhere than libcharon's code, and calling them would crash. */
static int abi_looks_right(char *err, size_t errlen) {
  void *fns[] = {(void *)charon->initialize, (void *)charon->start, (void *)charon->load_loggers};
  const char *names[] = {"initialize", "start", "load_loggers"};
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); ++i) {
    Dl_info info;
    if (!fns[i] || !dladdr(fns[i], &info) || !info.dli_fname || !strstr(info.dli_fname, "libcharon.so")) {
      snprintf(err, errlen,
               "libcharon ABI mismatch: daemon_t.%s does not point into libcharon.so; the strongSwan headers or "
               "config.h do not match the installed library (rebuild after vpn/iked/prepare_headers.sh)",
               names[i]);
      return 0;
    }
  }
  return 1;
}

int hnv_charon_start(const char *conf, const char *plugins, int own_socket, const hnv_ike_backend_t *b, char *err,
                     size_t errlen) {
  static plugin_feature_t features[] = {
      PLUGIN_CALLBACK(kernel_ipsec_register, hnv_kernel_ipsec_create),
      PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
  };
  static plugin_feature_t socket_features[] = {
      PLUGIN_CALLBACK(socket_register, hnv_socket_create),
      PLUGIN_PROVIDE(CUSTOM, "socket"),
      PLUGIN_DEPENDS(CUSTOM, "kernel-ipsec"),
  };
  if (started) {
    snprintf(err, errlen, "charon is already running in this process");
    return -1;
  }
  backend = *b;
  if (!library_init((char *)conf, "charon")) {
    library_deinit();
    snprintf(err, errlen, "libstrongswan did not initialise (settings %s)", conf);
    return -1;
  }
  if (!libcharon_init()) {
    libcharon_deinit();
    library_deinit();
    snprintf(err, errlen, "libcharon did not initialise");
    return -1;
  }
  if (!abi_looks_right(err, errlen)) {
    libcharon_deinit();
    library_deinit();
    return -1;
  }
  charon->load_loggers(charon);
  /* Registered before the plugins are loaded: the first kernel-ipsec wins. */
  lib->plugins->add_static_features(lib->plugins, "hnv-kernel-ipsec", features, countof(features), TRUE, NULL,
                                    NULL);
  if (own_socket) {
    hnv_shim_socket_init();
    lib->plugins->add_static_features(lib->plugins, "hnv-socket", socket_features, countof(socket_features), TRUE,
                                      NULL, NULL);
  }
  if (!charon->initialize(charon, (char *)plugins)) {
    libcharon_deinit();
    library_deinit();
    snprintf(err, errlen, "charon did not initialise with plugins '%s' (see its log)", plugins);
    return -1;
  }
  charon->bus->add_listener(charon->bus, &listener);
  charon->start(charon);
  started = 1;
  return 0;
}

void hnv_charon_expire(uint8_t protocol, uint32_t spi, const hnv_ike_addr_t *dst, int hard) {
  if (!started) return;
  chunk_t a = chunk_create((u_char *)dst->bytes, dst->family == 6 ? 16 : 4);
  host_t *h = host_create_from_chunk(dst->family == 6 ? AF_INET6 : AF_INET, a, 0);
  if (!h) return;
  charon->kernel->expire(charon->kernel, protocol, htonl(spi), h, hard ? TRUE : FALSE);
  h->destroy(h);
}

void hnv_charon_stop(void) {
  if (!started) return;
  charon->bus->remove_listener(charon->bus, &listener);
  libcharon_deinit();
  hnv_shim_socket_deinit();
  library_deinit();
  started = 0;
}
