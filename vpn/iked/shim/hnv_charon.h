/* The narrow C interface between hnv-iked (C++) and libcharon (C). No
 * strongSwan header is visible here: plain structs, and a table of
 * callbacks charon's threads call (the C++ side must be thread-safe).
 *
 * The kernel-ipsec backend registered by hnv_charon_start hands every SA
 * and policy charon installs to these callbacks instead of the kernel. */
#ifndef HNV_CHARON_H
#define HNV_CHARON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint8_t family; /* 4 or 6 */
  uint8_t bytes[16];
  uint16_t port; /* UDP port when the SA is encapsulated, else 0 */
} hnv_ike_addr_t;

/* A traffic selector: addresses from..to, protocol (0 any), ports from..to. */
typedef struct {
  hnv_ike_addr_t from, to;
  uint8_t protocol;
  uint16_t from_port, to_port;
} hnv_ike_ts_t;

typedef struct {
  uint32_t spi; /* host order */
  uint8_t protocol; /* 50: ESP */
  hnv_ike_addr_t src, dst; /* the SA's packets go src -> dst */
  int encap; /* inside UDP (NAT-T) */
  int inbound, initiator, update;
  uint32_t reqid, if_id_in_out, mark;
  uint16_t enc_alg, int_alg; /* IKEv2 transform ids; int_alg 1024: none (AEAD) */
  const uint8_t *enc_key; size_t enc_key_len; /* AEAD: key || salt */
  const uint8_t *int_key; size_t int_key_len;
  uint32_t replay_window;
  int esn;
  uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
  uint64_t soft_seconds, hard_seconds; /* relative, jittered by charon */
  const hnv_ike_ts_t *src_ts; size_t src_ts_count;
  const hnv_ike_ts_t *dst_ts; size_t dst_ts_count;
} hnv_ike_sa_t;

enum { HNV_POLICY_IN = 0, HNV_POLICY_OUT = 1, HNV_POLICY_FWD = 2 };

typedef struct {
  int add; /* 1 add, 0 delete */
  int dir;
  hnv_ike_ts_t src_ts, dst_ts;
  hnv_ike_addr_t src, dst; /* tunnel ends (add only) */
  uint32_t spi, reqid, if_id; /* spi: the ESP SA the policy uses (add only) */
  int type; /* 0 ipsec, 1 pass, 2 drop */
} hnv_ike_policy_t;

enum {
  HNV_EVENT_ALERT = 1,
  HNV_EVENT_IKE_UP = 2,
  HNV_EVENT_IKE_DOWN = 3,
  HNV_EVENT_CHILD_UP = 4,
  HNV_EVENT_CHILD_DOWN = 5,
  HNV_EVENT_CHILD_REKEYED = 6,
  HNV_EVENT_DESTINATION = 7, /* what: the site address tried next (alternate destinations) */
};

typedef struct {
  int kind;
  const char *connection; /* peer config name, "" if none yet */
  const char *child;      /* child config name for child events */
  const char *what;       /* alert name ("peer-auth-failed", ...); the address for DESTINATION */
  uint32_t spi_in, spi_out; /* child events */
} hnv_ike_event_t;

typedef struct {
  void *ctx;
  /* A new inbound SPI (host order, >= 256, unused), 0 if none is left. */
  uint32_t (*get_spi)(void *ctx);
  int (*add_sa)(void *ctx, const hnv_ike_sa_t *sa);
  int (*update_sa)(void *ctx, uint32_t spi, const hnv_ike_addr_t *new_src, const hnv_ike_addr_t *new_dst,
                   int new_encap);
  int (*del_sa)(void *ctx, uint32_t spi, uint8_t protocol, const hnv_ike_addr_t *dst);
  /* Counters of an SA; 0 when known. last_use: seconds of the monotonic clock, 0 never. */
  int (*query_sa)(void *ctx, uint32_t spi, uint64_t *bytes, uint64_t *packets, uint64_t *last_use);
  int (*policy)(void *ctx, const hnv_ike_policy_t *p);
  void (*event)(void *ctx, const hnv_ike_event_t *e);
  /* With our own IKE socket: a datagram charon sends (ports included). */
  int (*send_ike)(void *ctx, const hnv_ike_addr_t *src, const hnv_ike_addr_t *dst, const uint8_t *data, size_t len);
} hnv_ike_backend_t;

/* Starts charon with settings from `conf` (a strongswan.conf), the plugins
 * in `plugins` and our kernel-ipsec backend; with own_socket, our IKE socket
 * too (datagrams through hnv_charon_ike_input and send_ike; leave
 * socket-default out of the plugins). 0 on success, else -1 with the reason
 * in err. */
int hnv_charon_start(const char *conf, const char *plugins, int own_socket, const hnv_ike_backend_t *backend,
                     char *err, size_t errlen);
/* An IKE datagram for charon (own socket only); -1 when its queue is full. */
int hnv_charon_ike_input(const hnv_ike_addr_t *src, const hnv_ike_addr_t *dst, const uint8_t *data, size_t len);
/* Tells charon an SA expired (hard: delete it; soft: rekey it). */
void hnv_charon_expire(uint8_t protocol, uint32_t spi, const hnv_ike_addr_t *dst, int hard);
void hnv_charon_stop(void);

/* A gateway cluster member's role (shim/cluster.c). Starts the connection
 * (peer config) `name` unless an IKE SA of it exists in any state but
 * deleting (a passive one, synced from the other member, counts): 1 started
 * (queued), 0 present, -1 no such connection or charon not running. */
int hnv_charon_initiate_absent(const char *name);
/* Closes every IKE SA without waiting for the peer; how many. */
int hnv_charon_close_all(void);
/* Destroys every passive IKE SA (copies the ha plugin keeps of the other
 * member's), locally; how many. Before asking for a resync, which would
 * otherwise add second copies of those it still has. */
int hnv_charon_forget_passive(void);

/* Demand dialing (shim/demand.c): starts the CHILD SA of connection `name`
 * (whose child has the same name) unless it is installed or on its way:
 * 1 started (queued), 0 present or coming, -1 no such connection or charon
 * not running. */
int hnv_charon_dial(const char *name);

#ifdef __cplusplus
}
#endif

#endif
