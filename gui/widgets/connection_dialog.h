// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDialog>

#include "client/connection_manager.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace ferry::gui {

// Edits one agent endpoint: name, address, cluster, user, token and how to trust the agent (the
// cluster CA file, the agent certificate's SHA-256 fingerprint, or plain TCP for the playground
// only). Problems are shown inside the dialog as the user types; OK is enabled only when the
// endpoint validates.
class ConnectionDialog : public QDialog {
    Q_OBJECT

public:
    explicit ConnectionDialog(QWidget* parent = nullptr);

    void setSettings(const ConnectionSettings& settings);
    // The settings entered; fails with the first problem.
    Result<ConnectionSettings> settings() const;

private:
    void revalidate();

    QLineEdit* m_name;
    QLineEdit* m_address;
    QLineEdit* m_cluster;
    QLineEdit* m_user;
    QLineEdit* m_token;
    QComboBox* m_trust;
    QLineEdit* m_caFile;
    QLineEdit* m_fingerprint;
    QCheckBox* m_autoConnect;
    QLabel* m_problem;
    QWidget* m_ok = nullptr;
};

}  // namespace ferry::gui
