// SPDX-License-Identifier: Apache-2.0
#include "widgets/message_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace ferry::gui {

MessageBar::MessageBar(QWidget* parent)
    : QFrame(parent), m_label(new QLabel(this)), m_close(new QToolButton(this)) {
    setObjectName(QStringLiteral("messageBar"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 4, 4, 4);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_close->setText(QStringLiteral("✕"));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss (Esc)"));
    m_close->setShortcut(QKeySequence(Qt::Key_Escape));
    layout->addWidget(m_label, 1);
    layout->addWidget(m_close);
    connect(m_close, &QToolButton::clicked, this, &MessageBar::clearMessage);
    hide();
}

void MessageBar::showMessage(const QString& text, Level level) {
    m_repeats = text == m_text ? m_repeats + 1 : 1;
    m_text = text;
    m_label->setText(m_repeats > 1 ? tr("%1 (%2 times)").arg(text).arg(m_repeats) : text);
    setStyleSheet(level == Level::Error
                      ? QStringLiteral("#messageBar { background: #fbe9e7; border: 1px solid "
                                       "#e0a39d; border-radius: 4px; color: #7a1f17; }")
                      : QStringLiteral("#messageBar { background: #e8f1fb; border: 1px solid "
                                       "#a9c6e8; border-radius: 4px; color: #173f6b; }"));
    show();
}

void MessageBar::clearMessage() {
    m_text.clear();
    m_repeats = 0;
    hide();
}

}  // namespace ferry::gui
