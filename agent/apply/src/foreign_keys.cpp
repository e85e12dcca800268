// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/foreign_keys.h"
