// SPDX-License-Identifier: Apache-2.0
#include "ferry/node/metric_history.h"
