/* What a gateway cluster member's role asks of charon: start the persistent
 * connections that have no IKE SA (only the active member initiates), and
 * close every IKE SA (a member that stops being active without an IKE state
 * sync: its SAs would only be a stale copy of the new active's). */
#include "shim.h"

#include <collections/array.h>
#include <daemon.h>
#include <library.h>

static int has_ike_sa(const char *name) {
  enumerator_t *e = charon->controller->create_ike_sa_enumerator(charon->controller, TRUE);
  ike_sa_t *ike;
  int found = 0;
  while (!found && e->enumerate(e, &ike)) {
    const ike_sa_state_t s = ike->get_state(ike);
    found = streq(ike->get_name(ike), (char *)name) && s != IKE_DELETING && s != IKE_DESTROYING;
  }
  e->destroy(e);
  return found;
}

int hnv_charon_initiate_absent(const char *name) {
  if (!hnv_shim_started()) return -1;
  if (has_ike_sa(name)) return 0;
  peer_cfg_t *peer = charon->backends->get_peer_cfg_by_name(charon->backends, (char *)name);
  if (!peer) return -1;
  enumerator_t *children = peer->create_child_cfg_enumerator(peer);
  child_cfg_t *child;
  int started = 0;
  while (children->enumerate(children, &child)) {
    /* No callback: queued, returns at once. */
    charon->controller->initiate(charon->controller, peer->get_ref(peer), child->get_ref(child), NULL, NULL, 0,
                                 FALSE);
    ++started;
  }
  children->destroy(children);
  peer->destroy(peer);
  return started ? 1 : -1;
}

/* The unique ids of the IKE SAs (only the passive ones with passive_only). */
static array_t *ike_sa_ids(int passive_only) {
  array_t *ids = NULL;
  enumerator_t *e = charon->controller->create_ike_sa_enumerator(charon->controller, TRUE);
  ike_sa_t *ike;
  while (e->enumerate(e, &ike)) {
    if (passive_only && ike->get_state(ike) != IKE_PASSIVE) continue;
    uint32_t id = ike->get_unique_id(ike);
    array_insert_create_value(&ids, sizeof(id), ARRAY_TAIL, &id);
  }
  e->destroy(e);
  return ids;
}

int hnv_charon_forget_passive(void) {
  if (!hnv_shim_started()) return 0;
  array_t *ids = ike_sa_ids(1);
  int forgotten = 0;
  uint32_t id;
  while (ids && array_remove(ids, ARRAY_HEAD, &id)) {
    ike_sa_t *ike = charon->ike_sa_manager->checkout_by_id(charon->ike_sa_manager, id);
    if (!ike) continue;
    if (ike->get_state(ike) == IKE_PASSIVE) {
      /* Local only: the ha plugin syncs nothing of a passive SA. */
      charon->ike_sa_manager->checkin_and_destroy(charon->ike_sa_manager, ike);
      ++forgotten;
    } else {
      charon->ike_sa_manager->checkin(charon->ike_sa_manager, ike);
    }
  }
  if (ids) array_destroy(ids);
  return forgotten;
}

int hnv_charon_close_all(void) {
  if (!hnv_shim_started()) return 0;
  array_t *ids = ike_sa_ids(0);
  int closed = 0;
  uint32_t id;
  while (ids && array_remove(ids, ARRAY_HEAD, &id)) {
    /* Forced: no DELETE exchange waited for (the data plane is fenced). */
    charon->controller->terminate_ike(charon->controller, id, TRUE, NULL, NULL, 0);
    ++closed;
  }
  if (ids) array_destroy(ids);
  return closed;
}
