/* Inside the shim: what its C files share (strongSwan headers allowed). */
#ifndef HNV_SHIM_H
#define HNV_SHIM_H

#include <kernel/kernel_ipsec.h>
#include <stddef.h>

#include "hnv_charon.h"

const hnv_ike_backend_t *hnv_shim_backend(void);
int hnv_shim_started(void);
kernel_ipsec_t *hnv_kernel_ipsec_create(void);

struct socket_t;
struct socket_t *hnv_socket_create(void);
void hnv_shim_socket_init(void);
void hnv_shim_socket_deinit(void);

/* alternates.c: an IKE SA whose peer did not answer (its try `failed_try`,
 * from 0) goes on to the next address of its remote_addrs, unless that was
 * its last try; 1 (and the address in `out`) if it did. */
struct ike_sa_t;
int hnv_next_destination(struct ike_sa_t *ike, unsigned failed_try, char *out, size_t outlen);

#endif
