/* Inside the shim: what its C files share (strongSwan headers allowed). */
#ifndef HNV_SHIM_H
#define HNV_SHIM_H

#include <kernel/kernel_ipsec.h>

#include "hnv_charon.h"

const hnv_ike_backend_t *hnv_shim_backend(void);
int hnv_shim_started(void);
kernel_ipsec_t *hnv_kernel_ipsec_create(void);

struct socket_t;
struct socket_t *hnv_socket_create(void);
void hnv_shim_socket_init(void);
void hnv_shim_socket_deinit(void);

#endif
