// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

namespace ferry::gui {

// How a chart's value axis shows its values: series values are divided by `divisor` and the axis
// title carries `unit`.
struct AxisScale {
    double divisor = 1;
    QString unit;
};

// ms under 1 s, s under 2 min, min under 2 h, else h; `maxSeconds` is the largest value shown.
AxisScale lagScale(double maxSeconds);
// rows/s, then thousands from 10,000 rows/s, millions from 10,000,000 rows/s.
AxisScale rowsScale(double maxPerSecond);
// B/s, KiB/s, MiB/s, GiB/s (binary, as the details panel).
AxisScale bytesScale(double maxPerSecond);

}  // namespace ferry::gui
