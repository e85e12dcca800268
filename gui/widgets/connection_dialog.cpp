// SPDX-License-Identifier: Apache-2.0
#include "widgets/connection_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace ferry::gui {

namespace {

enum Trust { TrustCa, TrustFingerprint, TrustPlain };

}  // namespace

ConnectionDialog::ConnectionDialog(QWidget* parent)
    : QDialog(parent),
      m_name(new QLineEdit(this)),
      m_address(new QLineEdit(this)),
      m_cluster(new QLineEdit(QStringLiteral("default"), this)),
      m_user(new QLineEdit(this)),
      m_token(new QLineEdit(this)),
      m_trust(new QComboBox(this)),
      m_caFile(new QLineEdit(this)),
      m_fingerprint(new QLineEdit(this)),
      m_autoConnect(new QCheckBox(tr("Connect at start-up"), this)),
      m_problem(new QLabel(this)) {
    setWindowTitle(tr("Agent connection"));
    setObjectName(QStringLiteral("connectionDialog"));
    m_name->setPlaceholderText(tr("optional, e.g. hz primary"));
    m_address->setPlaceholderText(QStringLiteral("hz-agent1.example:7450"));
    m_user->setPlaceholderText(tr("your user name"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("bearer token from your Ferry admin"));
    m_trust->addItem(tr("TLS, trust the cluster CA file"));
    m_trust->addItem(tr("TLS, pin the agent certificate (SHA-256)"));
    m_trust->addItem(tr("Plain TCP (tests and playground only)"));
    m_fingerprint->setPlaceholderText(
        QStringLiteral("AB:CD:…  (openssl x509 -fingerprint -sha256)"));
    m_autoConnect->setChecked(true);
    m_problem->setWordWrap(true);
    m_problem->setObjectName(QStringLiteral("problem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b3261e"));

    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file =
            QFileDialog::getOpenFileName(this, tr("Cluster CA certificate"), {},
                                         tr("PEM certificates (*.pem *.crt);;All files (*)"));
        if (!file.isEmpty()) {
            m_caFile->setText(file);
        }
    });
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(browse);

    auto* form = new QFormLayout;
    form->addRow(tr("&Name"), m_name);
    form->addRow(tr("&Address"), m_address);
    form->addRow(tr("&Cluster"), m_cluster);
    form->addRow(tr("&User"), m_user);
    form->addRow(tr("&Token"), m_token);
    form->addRow(tr("T&rust"), m_trust);
    form->addRow(tr("CA &file"), caRow);
    form->addRow(tr("&Fingerprint"), m_fingerprint);
    form->addRow(QString(), m_autoConnect);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    for (auto* edit : {m_name, m_address, m_cluster, m_user, m_token, m_caFile, m_fingerprint}) {
        connect(edit, &QLineEdit::textChanged, this, &ConnectionDialog::revalidate);
    }
    connect(m_trust, &QComboBox::currentIndexChanged, this, [this, browse](int trust) {
        m_caFile->setEnabled(trust == TrustCa);
        browse->setEnabled(trust == TrustCa);
        m_fingerprint->setEnabled(trust == TrustFingerprint);
        revalidate();
    });
    m_fingerprint->setEnabled(false);
    resize(520, sizeHint().height());
    revalidate();
}

void ConnectionDialog::setSettings(const ConnectionSettings& s) {
    m_name->setText(s.name);
    m_address->setText(s.endpoint.host.isEmpty() ? QString() : s.endpoint.address());
    m_cluster->setText(s.endpoint.cluster);
    m_user->setText(s.endpoint.user);
    m_token->setText(s.endpoint.token);
    m_caFile->setText(s.endpoint.caFile);
    m_fingerprint->setText(s.endpoint.pinnedSha256.isEmpty()
                               ? QString()
                               : ferry::client::formatFingerprint(s.endpoint.pinnedSha256));
    m_trust->setCurrentIndex(s.endpoint.plainTcp                  ? TrustPlain
                             : !s.endpoint.pinnedSha256.isEmpty() ? TrustFingerprint
                                                                  : TrustCa);
    m_autoConnect->setChecked(s.autoConnect);
    revalidate();
}

Result<ConnectionSettings> ConnectionDialog::settings() const {
    ConnectionSettings s;
    s.name = m_name->text().trimmed();
    FERRY_ASSIGN_OR_RETURN(const auto address, ferry::client::parseAddress(m_address->text()));
    s.endpoint.host = address.first;
    s.endpoint.port = address.second;
    s.endpoint.cluster = m_cluster->text().trimmed();
    s.endpoint.user = m_user->text().trimmed();
    s.endpoint.token = m_token->text();
    switch (m_trust->currentIndex()) {
        case TrustCa:
            s.endpoint.caFile = m_caFile->text().trimmed();
            break;
        case TrustFingerprint: {
            FERRY_ASSIGN_OR_RETURN(s.endpoint.pinnedSha256,
                                   ferry::client::parseFingerprint(m_fingerprint->text()));
            break;
        }
        default:
            s.endpoint.plainTcp = true;
    }
    s.autoConnect = m_autoConnect->isChecked();
    FERRY_TRY(s.endpoint.validate());
    return s;
}

void ConnectionDialog::revalidate() {
    const auto s = settings();
    m_problem->setText(s.ok() ? QString() : QString::fromStdString(s.error().message));
    if (m_ok != nullptr) {
        m_ok->setEnabled(s.ok());
    }
}

}  // namespace ferry::gui
