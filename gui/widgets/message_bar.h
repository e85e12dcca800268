// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QFrame>

class QLabel;
class QToolButton;

namespace ferry::gui {

// An in-place message strip above the main views: errors and notices appear here, not in modal
// dialogs. A repeat of the message shown counts up ("(3 times)") instead of stacking, so a
// failing connection cannot cause a storm. Hidden when empty; Esc or the close button clears it.
class MessageBar : public QFrame {
    Q_OBJECT

public:
    enum class Level { Info, Error };

    explicit MessageBar(QWidget* parent = nullptr);

    void showMessage(const QString& text, Level level = Level::Error);
    void clearMessage();
    QString text() const { return m_text; }
    int repeats() const { return m_repeats; }

private:
    QLabel* m_label;
    QToolButton* m_close;
    QString m_text;
    int m_repeats = 0;
};

}  // namespace ferry::gui
