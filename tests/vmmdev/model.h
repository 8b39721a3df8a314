/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMMDev emulator: private helpers shared by model.c and hgcm.c only
 * (the public contract is emu.h and hgcm.h).
 */
#ifndef VMMDEV_MODEL_H
#define VMMDEV_MODEL_H

#include <pthread.h>
#include <stdint.h>

#include "emu.h"

/* The device lock itself, for the HGCM worker's condition variable. */
pthread_mutex_t *vmmdev_mutex(struct vmmdev *dev);

/* Host feature bits as GetHostVersion reports them; dev->lock held. */
uint32_t vmmdev_host_features_locked(struct vmmdev *dev);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t vmmdev_now_ns(void);

#endif /* VMMDEV_MODEL_H */
