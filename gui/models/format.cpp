// SPDX-License-Identifier: Apache-2.0
#include "models/format.h"

#include <QLocale>

#include <cmath>

namespace ferry::gui {

QString formatLag(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        return QStringLiteral("–");
    }
    if (seconds < 10) {
        return QStringLiteral("%1 s").arg(seconds, 0, 'f', 2);
    }
    const auto total = static_cast<long long>(std::llround(seconds));
    if (total < 60) {
        return QStringLiteral("%1 s").arg(total);
    }
    if (total < 3600) {
        return QStringLiteral("%1 min %2 s")
            .arg(total / 60)
            .arg(total % 60, 2, 10, QLatin1Char('0'));
    }
    return QStringLiteral("%1 h %2 min")
        .arg(total / 3600)
        .arg((total % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString formatRows(double perSecond) {
    if (!std::isfinite(perSecond) || perSecond < 0) {
        perSecond = 0;
    }
    return QStringLiteral("%1 rows/s").arg(QLocale().toString(std::llround(perSecond)));
}

QString formatBytesPerSecond(double perSecond) {
    if (!std::isfinite(perSecond) || perSecond < 0) {
        perSecond = 0;
    }
    static const char* const kUnits[] = {"B/s", "KiB/s", "MiB/s", "GiB/s"};
    int unit = 0;
    while (perSecond >= 1024 && unit < 3) {
        perSecond /= 1024;
        ++unit;
    }
    return QStringLiteral("%1 %2")
        .arg(perSecond, 0, 'f', perSecond < 10 && unit > 0 ? 1 : 0)
        .arg(QLatin1String(kUnits[unit]));
}

QString stateName(ferry::v1::PipelineState state) {
    switch (state) {
        case ferry::v1::PIPELINE_STATE_RUNNING:
            return QStringLiteral("running");
        case ferry::v1::PIPELINE_STATE_PAUSED:
            return QStringLiteral("paused");
        case ferry::v1::PIPELINE_STATE_STOPPED:
            return QStringLiteral("stopped");
        case ferry::v1::PIPELINE_STATE_FAILED:
            return QStringLiteral("failed");
        default:
            return QStringLiteral("unknown");
    }
}

QColor stateColor(ferry::v1::PipelineState state) {
    switch (state) {
        case ferry::v1::PIPELINE_STATE_RUNNING:
            return QColor(0x2e, 0x9d, 0x4f);
        case ferry::v1::PIPELINE_STATE_PAUSED:
            return QColor(0xd9, 0x8e, 0x04);
        case ferry::v1::PIPELINE_STATE_STOPPED:
            return QColor(0x80, 0x80, 0x80);
        case ferry::v1::PIPELINE_STATE_FAILED:
            return QColor(0xd0, 0x31, 0x2d);
        default:
            return QColor(0x70, 0x80, 0x90);
    }
}

}  // namespace ferry::gui
