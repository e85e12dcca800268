// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QColor>
#include <QString>

#include "ferry/v1/config.pb.h"

namespace ferry::gui {

// "0.31 s", "12 s", "3 min 04 s", "2 h 05 min": lag as DBAs read it.
QString formatLag(double seconds);
// "1,204 rows/s" (locale grouping), "0 rows/s".
QString formatRows(double perSecond);
// "210 KiB/s", "3.4 MiB/s".
QString formatBytesPerSecond(double perSecond);
// "running", "paused", "stopped", "failed", "unknown".
QString stateName(ferry::v1::PipelineState state);
// Green running, amber paused, grey stopped, red failed; grey-blue when unknown.
QColor stateColor(ferry::v1::PipelineState state);

}  // namespace ferry::gui
