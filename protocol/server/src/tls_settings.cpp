// SPDX-License-Identifier: Apache-2.0
#include <QFile>

#include "ferry/server/service_server.h"

namespace ferry::server {

namespace {

Result<QByteArray> readFile(const QString& path, const char* what) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return makeError(ErrorCode::Io, std::string("cannot read the ") + what + " " +
                                            path.toStdString() + ": " +
                                            file.errorString().toStdString() +
                                            "; check the path and its permissions");
    }
    return file.readAll();
}

}  // namespace

Result<TlsSettings> loadTlsSettings(const QString& certificateFile, const QString& keyFile,
                                    const QString& clientCaFile) {
    TlsSettings tls;
    FERRY_ASSIGN_OR_RETURN(const QByteArray certPem, readFile(certificateFile, "certificate"));
    const auto certificates = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (certificates.isEmpty() || certificates.front().isNull()) {
        return makeError(ErrorCode::InvalidArgument,
                         "the certificate file " + certificateFile.toStdString() +
                             " holds no PEM certificate; give the server certificate in PEM");
    }
    tls.certificate = certificates.front();
    tls.chain = certificates.mid(1);

    FERRY_ASSIGN_OR_RETURN(const QByteArray keyPem, readFile(keyFile, "private key"));
    for (const auto algorithm : {QSsl::Rsa, QSsl::Ec}) {
        QSslKey key(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull()) {
            tls.privateKey = key;
            break;
        }
    }
    if (tls.privateKey.isNull()) {
        return makeError(ErrorCode::InvalidArgument,
                         "the key file " + keyFile.toStdString() +
                             " holds no unencrypted RSA or EC private key in PEM; convert it "
                             "with `openssl pkey -in KEY -out KEY.pem`");
    }

    if (!clientCaFile.isEmpty()) {
        FERRY_ASSIGN_OR_RETURN(const QByteArray caPem, readFile(clientCaFile, "client CA file"));
        tls.clientCaCertificates = QSslCertificate::fromData(caPem, QSsl::Pem);
        if (tls.clientCaCertificates.isEmpty()) {
            return makeError(ErrorCode::InvalidArgument,
                             "the client CA file " + clientCaFile.toStdString() +
                                 " holds no PEM certificate; give the cluster CA certificate");
        }
        tls.clientCertificates = ClientCertificates::Optional;
    }
    return tls;
}

}  // namespace ferry::server
