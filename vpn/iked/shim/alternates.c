/* Alternate destinations. charon initiates to the first address of a
 * connection's remote_addrs and, when its IKE_SA_INIT goes unanswered,
 * tries that same address again (ike_sa.c resolves the peer from the
 * configuration each time). Called by the alert listener for
 * ALERT_PEER_INIT_UNREACHABLE, which charon raises just before it resets the
 * IKE SA and resolves its peer for the next try: the address after the one
 * that did not answer (round robin) becomes the SA's forced remote host
 * (set_kmaddress; resolve_hosts prefers it to the configuration). A new IKE
 * SA (a reconnection after DPD, a dial) starts at the first address again.
 * After the last of a connection's keyingtries (the alert carries the number
 * of the try that failed, from 0) charon gives up: nothing is moved. */
#include <daemon.h>
#include <library.h>
#include <stdio.h>
#include <string.h>

#include "shim.h"

static char *trimmed(char *s) {
  while (*s == ' ') ++s;
  char *end = s + strlen(s);
  while (end > s && end[-1] == ' ') *--end = '\0';
  return s;
}

int hnv_next_destination(ike_sa_t *ike, unsigned failed_try, char *out, size_t outlen) {
  ike_cfg_t *cfg = ike ? ike->get_ike_cfg(ike) : NULL;
  host_t *current = ike ? ike->get_other_host(ike) : NULL;
  if (!cfg || !current || !cfg->get_other_addr(cfg)) return 0;
  /* The last of the connection's keyingtries (an on-demand dial's): charon
   * gives up after this alert; there is no next try to point anywhere. */
  peer_cfg_t *peer = ike->get_peer_cfg(ike);
  const uint32_t tries = peer ? peer->get_keyingtries(peer) : 0;
  if (tries != 0 && failed_try + 1 >= tries) return 0;
  char *list = strdup(cfg->get_other_addr(cfg)); /* "a, b, c" as vici joined them */
  if (!list) return 0;
  char *first = NULL, *next = NULL, *save = NULL;
  int count = 0, after_current = 0;
  for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    tok = trimmed(tok);
    host_t *h = host_create_from_string(tok, IKEV2_UDP_PORT);
    if (!h) continue; /* hnvgwd writes addresses only */
    ++count;
    if (!first) first = tok;
    if (after_current && !next) next = tok;
    after_current = after_current || h->ip_equals(h, current);
    h->destroy(h);
  }
  int moved = 0;
  const char *target = next ? next : first;
  host_t *to = count > 1 && target ? host_create_from_string((char *)target, IKEV2_UDP_PORT) : NULL;
  if (to && !to->ip_equals(to, current)) {
    ike->set_kmaddress(ike, ike->get_my_host(ike), to);
    snprintf(out, outlen, "%s", target);
    DBG1(DBG_IKE, "%s: %H does not answer, trying %H next", ike->get_name(ike), current, to);
    moved = 1;
  }
  if (to) to->destroy(to);
  free(list);
  return moved;
}
