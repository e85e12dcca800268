// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMainWindow>

namespace ferry::gui {

// The console's main window: the topology, designer and monitoring views hang off it.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
};

}  // namespace ferry::gui
