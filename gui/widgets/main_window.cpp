// SPDX-License-Identifier: Apache-2.0
#include "widgets/main_window.h"

#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>

#include "ferry/version.h"

namespace ferry::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Ferry Console"));
    resize(1200, 800);

    auto* fileMenu = menuBar()->addMenu(tr("&File"));
    auto* quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto* placeholder = new QLabel(tr("No agent connected."), this);
    placeholder->setObjectName(QStringLiteral("emptyState"));
    placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(placeholder);
    statusBar()->showMessage(tr("Ferry %1").arg(QLatin1String(ferry::kVersion)));
}

}  // namespace ferry::gui
