// SPDX-License-Identifier: Apache-2.0
#include "ferry/node/node_context.h"

namespace ferry::node {

Result<security::SecretString> NodeContext::password(const v1::DataSource& source) const {
    return security::resolveSecret(source.password(), source.id(), secrets ? &*secrets : nullptr);
}

}  // namespace ferry::node
