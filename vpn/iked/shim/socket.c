/* hnv-iked's IKE socket when it serves hnvgwd: no kernel socket at all.
 * IKE datagrams to the gateway's VPN endpoints arrive from the data plane
 * (esp-input punts them, hnvgwd passes them on: hnv_charon_ike_input), and
 * what charon sends goes back to hnvgwd (the send_ike callback), which
 * routes it from the endpoint in its outside domain. The UDP payloads go
 * as they are: charon's sender and receiver handle the non-ESP marker. */
#include "shim.h"

#include <daemon.h>
#include <network/socket.h>
#include <threading/condvar.h>
#include <threading/mutex.h>
#include <threading/thread.h>
#include <collections/linked_list.h>
#include <string.h>
#include <sys/socket.h>

typedef struct {
  socket_t public;
} hnv_socket_t;

/* Datagrams waiting for charon's receiver thread. */
static mutex_t *queue_lock;
static condvar_t *queue_ready;
static linked_list_t *queue;
static const size_t kMaxQueued = 1024;

static host_t *host_of(const hnv_ike_addr_t *a) {
  chunk_t c = chunk_create((u_char *)a->bytes, a->family == 6 ? 16 : 4);
  return host_create_from_chunk(a->family == 6 ? AF_INET6 : AF_INET, c, a->port);
}

void hnv_shim_socket_init(void) {
  queue_lock = mutex_create(MUTEX_TYPE_DEFAULT);
  queue_ready = condvar_create(CONDVAR_TYPE_DEFAULT);
  queue = linked_list_create();
}

void hnv_shim_socket_deinit(void) {
  if (!queue) return;
  queue->destroy_offset(queue, offsetof(packet_t, destroy));
  queue_ready->destroy(queue_ready);
  queue_lock->destroy(queue_lock);
  queue = NULL;
}

int hnv_charon_ike_input(const hnv_ike_addr_t *src, const hnv_ike_addr_t *dst, const uint8_t *data, size_t len) {
  if (!queue) return -1;
  host_t *s = host_of(src), *d = host_of(dst);
  if (!s || !d) {
    DESTROY_IF(s);
    DESTROY_IF(d);
    return -1;
  }
  packet_t *p = packet_create_from_data(s, d, chunk_clone(chunk_create((u_char *)data, len)));
  queue_lock->lock(queue_lock);
  if (queue->get_count(queue) >= kMaxQueued) {
    queue_lock->unlock(queue_lock);
    p->destroy(p);
    return -1;
  }
  queue->insert_last(queue, p);
  queue_ready->signal(queue_ready);
  queue_lock->unlock(queue_lock);
  return 0;
}

METHOD(socket_t, receive, status_t, hnv_socket_t *this, packet_t **packet) {
  packet_t *p = NULL;
  bool old = thread_cancelability(TRUE);
  queue_lock->lock(queue_lock);
  thread_cleanup_push((thread_cleanup_t)queue_lock->unlock, queue_lock);
  while (queue->remove_first(queue, (void **)&p) != SUCCESS) queue_ready->wait(queue_ready, queue_lock);
  thread_cleanup_pop(TRUE);
  thread_cancelability(old);
  *packet = p;
  return SUCCESS;
}

METHOD(socket_t, send_, status_t, hnv_socket_t *this, packet_t *packet) {
  hnv_ike_addr_t src, dst;
  host_t *s = packet->get_source(packet), *d = packet->get_destination(packet);
  chunk_t data = packet->get_data(packet);
  memset(&src, 0, sizeof(src));
  memset(&dst, 0, sizeof(dst));
  src.family = s->get_family(s) == AF_INET6 ? 6 : 4;
  dst.family = d->get_family(d) == AF_INET6 ? 6 : 4;
  memcpy(src.bytes, s->get_address(s).ptr, src.family == 6 ? 16 : 4);
  memcpy(dst.bytes, d->get_address(d).ptr, dst.family == 6 ? 16 : 4);
  src.port = s->get_port(s);
  dst.port = d->get_port(d);
  return hnv_shim_backend()->send_ike(hnv_shim_backend()->ctx, &src, &dst, data.ptr, data.len) == 0 ? SUCCESS
                                                                                                    : FAILED;
}

METHOD(socket_t, get_port, uint16_t, hnv_socket_t *this, bool nat_t) { return nat_t ? 4500 : 500; }

METHOD(socket_t, supported_families, socket_family_t, hnv_socket_t *this) { return SOCKET_FAMILY_BOTH; }

METHOD(socket_t, destroy, void, hnv_socket_t *this) { free(this); }

socket_t *hnv_socket_create(void) {
  hnv_socket_t *this;
  INIT(this, .public = {
               .receive = _receive,
               .send = _send_,
               .get_port = _get_port,
               .supported_families = _supported_families,
               .destroy = _destroy,
             }, );
  return &this->public;
}
