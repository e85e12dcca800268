// SPDX-License-Identifier: Apache-2.0
#include "widgets/charts/chart_units.h"

#include <QCoreApplication>

namespace ferry::gui {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("ferry::gui::ChartUnits", text);
}

}  // namespace

AxisScale lagScale(double maxSeconds) {
    if (maxSeconds < 1.0) {
        return {0.001, tr("ms")};
    }
    if (maxSeconds < 120.0) {
        return {1.0, tr("s")};
    }
    if (maxSeconds < 7200.0) {
        return {60.0, tr("min")};
    }
    return {3600.0, tr("h")};
}

AxisScale rowsScale(double maxPerSecond) {
    if (maxPerSecond < 1e4) {
        return {1.0, tr("rows/s")};
    }
    if (maxPerSecond < 1e7) {
        return {1e3, tr("thousand rows/s")};
    }
    return {1e6, tr("million rows/s")};
}

AxisScale bytesScale(double maxPerSecond) {
    constexpr double kKi = 1024.0;
    if (maxPerSecond < kKi) {
        return {1.0, tr("B/s")};
    }
    if (maxPerSecond < kKi * kKi) {
        return {kKi, tr("KiB/s")};
    }
    if (maxPerSecond < kKi * kKi * kKi) {
        return {kKi * kKi, tr("MiB/s")};
    }
    return {kKi * kKi * kKi, tr("GiB/s")};
}

}  // namespace ferry::gui
