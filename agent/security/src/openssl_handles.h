// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

// Owning handles for the OpenSSL objects ferry_security uses. Private to the library.
namespace ferry::security::detail {

template <typename T, void (*Free)(T*)>
struct OpensslFree {
    void operator()(T* object) const { Free(object); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, OpensslFree<T, Free>>;

inline void freeBio(BIO* bio) {
    BIO_free(bio);
}
inline void freeGeneralNames(GENERAL_NAMES* names) {
    GENERAL_NAMES_free(names);
}

using PkeyHandle = Handle<EVP_PKEY, EVP_PKEY_free>;
using X509Handle = Handle<X509, X509_free>;
using X509NameHandle = Handle<X509_NAME, X509_NAME_free>;
using X509ExtensionHandle = Handle<X509_EXTENSION, X509_EXTENSION_free>;
using X509StoreHandle = Handle<X509_STORE, X509_STORE_free>;
using X509StoreContextHandle = Handle<X509_STORE_CTX, X509_STORE_CTX_free>;
using BioHandle = Handle<BIO, freeBio>;
using BignumHandle = Handle<BIGNUM, BN_free>;
using GeneralNamesHandle = Handle<GENERAL_NAMES, freeGeneralNames>;
using GeneralNameHandle = Handle<GENERAL_NAME, GENERAL_NAME_free>;

// The oldest queued OpenSSL error as text ("error:...:reason"), clearing the queue; "no detail"
// when the queue is empty.
inline std::string takeOpensslError() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return "no detail from OpenSSL";
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    return text;
}

}  // namespace ferry::security::detail
