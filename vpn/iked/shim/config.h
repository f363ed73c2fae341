/* The configure-time definitions strongSwan's headers expect, for Debian
 * 12's build of strongSwan 5.9.8 (Debian ships no config.h). Force-included
 * before every shim file (-include).
 *
 * ME is ABI-critical: Debian builds with mediation support, which adds
 * members to daemon_t, peer_cfg_t and ike_sa_t. Without it every call
 * through charon's method tables lands on the wrong function. */
#ifndef CONFIG_H_INCLUDED
#define CONFIG_H_INCLUDED

#define ME 1
#define USE_IKEV1 1
#define USE_IKEV2 1
#define HAVE_STDBOOL_H 1
#define HAVE_ALLOCA_H 1
#define HAVE_EXPLICIT_BZERO 1
#define HAVE_MEMRCHR 1
#define HAVE_FMEMOPEN 1
#define HAVE_CLOSEFROM 1
#define HAVE_SIGWAITINFO 1
#define HAVE_CLOCK_GETTIME 1
#define HAVE_CONDATTR_CLOCK_MONOTONIC 1
#define HAVE_INT128 1
#define HAVE__BOOL 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_GCC_SYNC_OPERATIONS 1
#if __has_include(<sys/capability.h>)
#define HAVE_SYS_CAPABILITY_H 1
#endif

#endif
