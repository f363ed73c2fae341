/* hnv-iked's kernel-ipsec backend: instead of the kernel's XFRM, every SA
 * and policy charon installs goes to the callbacks of hnv_charon.h (and from
 * there to hnvgwd). Lifetimes are ours to enforce: time-based soft and hard
 * expiry are scheduled here on charon's scheduler, volume-based ones come
 * from the data plane's counters (hnv_charon_expire). */
#include "shim.h"

#include <daemon.h>
#include <processing/jobs/callback_job.h>
#include <string.h>
#include <sys/socket.h>

typedef struct {
  kernel_ipsec_t public;
} hnv_kernel_ipsec_t;

static void addr_of(host_t *h, int with_port, hnv_ike_addr_t *out) {
  memset(out, 0, sizeof(*out));
  if (!h) return;
  chunk_t a = h->get_address(h);
  out->family = h->get_family(h) == AF_INET6 ? 6 : 4;
  memcpy(out->bytes, a.ptr, a.len > 16 ? 16 : a.len);
  out->port = with_port ? h->get_port(h) : 0;
}

static void ts_of(traffic_selector_t *ts, hnv_ike_ts_t *out) {
  memset(out, 0, sizeof(*out));
  chunk_t from = ts->get_from_address(ts), to = ts->get_to_address(ts);
  uint8_t family = ts->get_type(ts) == TS_IPV6_ADDR_RANGE ? 6 : 4;
  out->from.family = out->to.family = family;
  memcpy(out->from.bytes, from.ptr, from.len > 16 ? 16 : from.len);
  memcpy(out->to.bytes, to.ptr, to.len > 16 ? 16 : to.len);
  out->protocol = ts->get_protocol(ts);
  out->from_port = ts->get_from_port(ts);
  out->to_port = ts->get_to_port(ts);
}

static size_t ts_list(linked_list_t *list, hnv_ike_ts_t *out, size_t max) {
  size_t n = 0;
  traffic_selector_t *ts;
  if (!list) return 0;
  enumerator_t *e = list->create_enumerator(list);
  while (n < max && e->enumerate(e, &ts)) ts_of(ts, &out[n++]);
  e->destroy(e);
  return n;
}

/* One scheduled expiry. */
typedef struct {
  uint8_t protocol;
  uint32_t spi; /* network order, as charon knows it */
  host_t *dst;
  bool hard;
} expire_job_t;

static job_requeue_t expire_now(void *data) {
  expire_job_t *j = data;
  charon->kernel->expire(charon->kernel, j->protocol, j->spi, j->dst, j->hard);
  return JOB_REQUEUE_NONE;
}

static void expire_free(void *data) {
  expire_job_t *j = data;
  j->dst->destroy(j->dst);
  free(j);
}

static void schedule_expire(uint8_t protocol, uint32_t spi, host_t *dst, bool hard, uint64_t seconds) {
  if (seconds == 0) return;
  expire_job_t *j = malloc(sizeof(*j));
  j->protocol = protocol;
  j->spi = spi;
  j->dst = dst->clone(dst);
  j->hard = hard;
  lib->scheduler->schedule_job(lib->scheduler, (job_t *)callback_job_create(expire_now, j, expire_free, NULL),
                               seconds > UINT32_MAX ? UINT32_MAX : (uint32_t)seconds);
}

METHOD(kernel_ipsec_t, get_features, kernel_feature_t, hnv_kernel_ipsec_t *this) {
  return KERNEL_ESP_V3_TFC;
}

METHOD(kernel_ipsec_t, get_spi, status_t, hnv_kernel_ipsec_t *this, host_t *src, host_t *dst, uint8_t protocol,
       uint32_t *spi) {
  uint32_t s = hnv_shim_backend()->get_spi(hnv_shim_backend()->ctx);
  if (s == 0) return FAILED;
  *spi = htonl(s);
  return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t, hnv_kernel_ipsec_t *this, host_t *src, host_t *dst, uint16_t *cpi) {
  return NOT_SUPPORTED;
}

METHOD(kernel_ipsec_t, add_sa, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_add_sa_t *data) {
  hnv_ike_sa_t sa;
  hnv_ike_ts_t src_ts[32], dst_ts[32];  /* a policy has at most 32 prefixes per side */
  memset(&sa, 0, sizeof(sa));
  if (data->mode != MODE_TUNNEL || id->proto != IPPROTO_ESP) {
    DBG1(DBG_KNL, "hnv: only ESP in tunnel mode is supported (SA %.8x)", ntohl(id->spi));
    return NOT_SUPPORTED;
  }
  sa.spi = ntohl(id->spi);
  sa.protocol = id->proto;
  addr_of(id->src, data->encap, &sa.src);
  addr_of(id->dst, data->encap, &sa.dst);
  sa.encap = data->encap;
  sa.inbound = data->inbound;
  sa.initiator = data->initiator;
  sa.update = data->update;
  sa.reqid = data->reqid;
  sa.if_id_in_out = id->if_id;
  sa.mark = id->mark.value;
  sa.enc_alg = data->enc_alg;
  sa.enc_key = data->enc_key.ptr;
  sa.enc_key_len = data->enc_key.len;
  sa.int_alg = data->int_alg;
  sa.int_key = data->int_key.ptr;
  sa.int_key_len = data->int_key.len;
  sa.replay_window = data->replay_window;
  sa.esn = data->esn;
  if (data->lifetime) {
    sa.soft_bytes = data->lifetime->bytes.rekey;
    sa.hard_bytes = data->lifetime->bytes.life;
    sa.soft_packets = data->lifetime->packets.rekey;
    sa.hard_packets = data->lifetime->packets.life;
    sa.soft_seconds = data->lifetime->time.rekey;
    sa.hard_seconds = data->lifetime->time.life;
  }
  sa.src_ts = src_ts;
  sa.src_ts_count = ts_list(data->src_ts, src_ts, 32);
  sa.dst_ts = dst_ts;
  sa.dst_ts_count = ts_list(data->dst_ts, dst_ts, 32);
  if (hnv_shim_backend()->add_sa(hnv_shim_backend()->ctx, &sa) != 0) return FAILED;
  schedule_expire(id->proto, id->spi, id->dst, FALSE, sa.soft_seconds);
  schedule_expire(id->proto, id->spi, id->dst, TRUE, sa.hard_seconds);
  return SUCCESS;
}

METHOD(kernel_ipsec_t, update_sa, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_update_sa_t *data) {
  hnv_ike_addr_t src, dst;
  addr_of(data->new_src, data->new_encap, &src);
  addr_of(data->new_dst, data->new_encap, &dst);
  return hnv_shim_backend()->update_sa(hnv_shim_backend()->ctx, ntohl(id->spi), &src, &dst, data->new_encap) == 0
             ? SUCCESS
             : FAILED;
}

METHOD(kernel_ipsec_t, query_sa, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets, time_t *time) {
  uint64_t b = 0, p = 0, t = 0;
  if (hnv_shim_backend()->query_sa(hnv_shim_backend()->ctx, ntohl(id->spi), &b, &p, &t) != 0) return NOT_FOUND;
  if (bytes) *bytes = b;
  if (packets) *packets = p;
  if (time) *time = (time_t)t;
  return SUCCESS;
}

METHOD(kernel_ipsec_t, del_sa, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_del_sa_t *data) {
  hnv_ike_addr_t dst;
  addr_of(id->dst, 0, &dst);
  return hnv_shim_backend()->del_sa(hnv_shim_backend()->ctx, ntohl(id->spi), id->proto, &dst) == 0 ? SUCCESS
                                                                                                  : NOT_FOUND;
}

METHOD(kernel_ipsec_t, flush_sas, status_t, hnv_kernel_ipsec_t *this) { return SUCCESS; }

static status_t manage_policy(kernel_ipsec_policy_id_t *id, kernel_ipsec_manage_policy_t *data, int add) {
  hnv_ike_policy_t p;
  memset(&p, 0, sizeof(p));
  p.add = add;
  p.dir = id->dir == POLICY_IN ? HNV_POLICY_IN : id->dir == POLICY_OUT ? HNV_POLICY_OUT : HNV_POLICY_FWD;
  ts_of(id->src_ts, &p.src_ts);
  ts_of(id->dst_ts, &p.dst_ts);
  p.if_id = id->if_id;
  if (data) {
    addr_of(data->src, 0, &p.src);
    addr_of(data->dst, 0, &p.dst);
    p.type = data->type == POLICY_IPSEC ? 0 : data->type == POLICY_PASS ? 1 : 2;
    if (data->sa) {
      p.reqid = data->sa->reqid;
      p.spi = data->sa->esp.use ? ntohl(data->sa->esp.spi) : 0;
    }
  }
  return hnv_shim_backend()->policy(hnv_shim_backend()->ctx, &p) == 0 ? SUCCESS : FAILED;
}

METHOD(kernel_ipsec_t, add_policy, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_policy_id_t *id,
       kernel_ipsec_manage_policy_t *data) {
  return manage_policy(id, data, 1);
}

METHOD(kernel_ipsec_t, query_policy, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_policy_id_t *id,
       kernel_ipsec_query_policy_t *data, time_t *use_time) {
  return NOT_SUPPORTED;
}

METHOD(kernel_ipsec_t, del_policy, status_t, hnv_kernel_ipsec_t *this, kernel_ipsec_policy_id_t *id,
       kernel_ipsec_manage_policy_t *data) {
  return manage_policy(id, data, 0);
}

METHOD(kernel_ipsec_t, flush_policies, status_t, hnv_kernel_ipsec_t *this) { return SUCCESS; }

/* IKE's own sockets need no bypass: ESP never reaches the kernel here. */
METHOD(kernel_ipsec_t, bypass_socket, bool, hnv_kernel_ipsec_t *this, int fd, int family) { return TRUE; }

METHOD(kernel_ipsec_t, enable_udp_decap, bool, hnv_kernel_ipsec_t *this, int fd, int family, uint16_t port) {
  return TRUE;
}

METHOD(kernel_ipsec_t, destroy, void, hnv_kernel_ipsec_t *this) { free(this); }

kernel_ipsec_t *hnv_kernel_ipsec_create(void) {
  hnv_kernel_ipsec_t *this;
  INIT(this, .public = {
               .get_features = _get_features,
               .get_spi = _get_spi,
               .get_cpi = _get_cpi,
               .add_sa = _add_sa,
               .update_sa = _update_sa,
               .query_sa = _query_sa,
               .del_sa = _del_sa,
               .flush_sas = _flush_sas,
               .add_policy = _add_policy,
               .query_policy = _query_policy,
               .del_policy = _del_policy,
               .flush_policies = _flush_policies,
               .bypass_socket = _bypass_socket,
               .enable_udp_decap = _enable_udp_decap,
               .destroy = _destroy,
             }, );
  return &this->public;
}
