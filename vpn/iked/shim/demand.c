/* Demand dialing: hnvgwd routed a packet into an on-demand interface whose
 * tunnel has no SA. Its CHILD SA is started unless one is on the way: an
 * IKE SA of the connection that is still connecting brings its child, an
 * established one with the child installed (or being rekeyed) needs
 * nothing. An established IKE SA without the child gets it (charon reuses
 * the IKE SA). */
#include "shim.h"

#include <daemon.h>
#include <library.h>

/* 1: nothing to do (coming or there), 0: not there. */
static int child_present(const char *name) {
  enumerator_t *e = charon->controller->create_ike_sa_enumerator(charon->controller, TRUE);
  ike_sa_t *ike;
  int present = 0;
  while (!present && e->enumerate(e, &ike)) {
    if (!streq(ike->get_name(ike), (char *)name)) continue;
    const ike_sa_state_t s = ike->get_state(ike);
    if (s == IKE_DELETING || s == IKE_DESTROYING) continue;
    if (s != IKE_ESTABLISHED) {
      present = 1; /* connecting (or passive): its child comes with it */
      continue;
    }
    enumerator_t *children = ike->create_child_sa_enumerator(ike);
    child_sa_t *child;
    while (!present && children->enumerate(children, &child)) {
      const child_sa_state_t cs = child->get_state(child);
      present = streq(child->get_name(child), (char *)name) &&
                (cs == CHILD_INSTALLED || cs == CHILD_REKEYING || cs == CHILD_REKEYED || cs == CHILD_CREATED ||
                 cs == CHILD_INSTALLING || cs == CHILD_UPDATING);
    }
    children->destroy(children);
  }
  e->destroy(e);
  return present;
}

int hnv_charon_dial(const char *name) {
  if (!hnv_shim_started()) return -1;
  if (child_present(name)) return 0;
  peer_cfg_t *peer = charon->backends->get_peer_cfg_by_name(charon->backends, (char *)name);
  if (!peer) return -1;
  child_cfg_t *found = NULL, *child;
  enumerator_t *children = peer->create_child_cfg_enumerator(peer);
  while (!found && children->enumerate(children, &child)) {
    if (streq(child->get_name(child), (char *)name)) found = child->get_ref(child);
  }
  children->destroy(children);
  if (!found) {
    peer->destroy(peer);
    return -1;
  }
  /* Queued, returns at once; the peer config's reference goes to charon. */
  charon->controller->initiate(charon->controller, peer, found, NULL, NULL, 0, FALSE);
  return 1;
}
