/* SPDX-License-Identifier: MIT */
/*
 * Major hazard installations over HTTP (issue 6 §1, docs/mhi.md "Storage and API",
 * docs/api.md): the installations with their inventories, identified and graded by
 * GB 18218-2018 through mhi.c on every write; the explanation of R; lists, export and
 * the map layer; the Table 1 / Table 2 lookups. Reads need monitor.read, writes
 * monitor.write and the installation's enterprise inside the caller's scope.
 */
#ifndef MHI_MHI_API_H
#define MHI_MHI_API_H

#include "http/req.h"

extern const struct route mhi_routes[];

#endif
