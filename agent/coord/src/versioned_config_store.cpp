// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/versioned_config_store.h"

namespace ferry::coord {

namespace {

constexpr int kAttempts = 3;

std::string describe(ConfigKind kind, std::string_view id) {
    std::string out(configKindLabel(kind));
    out += ' ';
    out += id;
    return out;
}

}  // namespace

std::string_view configKindFolder(ConfigKind kind) {
    switch (kind) {
        case ConfigKind::DataSource:
            return "datasource";
        case ConfigKind::Channel:
            return "channel";
        case ConfigKind::Pipeline:
            return "pipeline";
        case ConfigKind::Mapping:
            return "mapping";
    }
    return "unknown";
}

std::string_view configKindLabel(ConfigKind kind) {
    switch (kind) {
        case ConfigKind::DataSource:
            return "data source";
        case ConfigKind::Channel:
            return "channel";
        case ConfigKind::Pipeline:
            return "pipeline";
        case ConfigKind::Mapping:
            return "table mapping";
    }
    return "object";
}

VersionedConfigStore::VersionedConfigStore(Keeper& keeper, std::string root)
    : m_keeper(keeper), m_root(std::move(root)) {}

Status VersionedConfigStore::validateId(ConfigKind kind, std::string_view id) {
    auto bad = [&](std::string_view why) {
        return makeError(ErrorCode::InvalidArgument,
                         "invalid " + std::string(configKindLabel(kind)) + " id \"" +
                             std::string(id) + "\": " + std::string(why));
    };
    if (id.empty() || id.size() > 128) {
        return bad("an id has 1 to 128 characters");
    }
    if (id == "." || id == "..") {
        return bad("\".\" and \"..\" are not ids");
    }
    for (char c : id) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                             c == ':' || c == '@' || c == '+';
        if (!allowed) {
            return bad("use letters, digits and -_.:@+ only");
        }
    }
    return okStatus();
}

std::string VersionedConfigStore::pathOf(ConfigKind kind, std::string_view id) const {
    return joinPath(joinPath(m_root, configKindFolder(kind)), id);
}

Result<VersionedValue> VersionedConfigStore::read(ConfigKind kind, std::string_view id) const {
    FERRY_TRY(validateId(kind, id));
    auto node = m_keeper.get(pathOf(kind, id));
    if (node.kind() == KeeperError::NoNode) {
        return makeError(ErrorCode::NotFound, describe(kind, id) + " does not exist");
    }
    if (!node.ok()) {
        return Error(std::move(node).error());
    }
    return VersionedValue{std::move(node->data), node->stat.version};
}

Result<std::vector<std::string>> VersionedConfigStore::list(ConfigKind kind) const {
    auto children = m_keeper.getChildren(joinPath(m_root, configKindFolder(kind)));
    if (children.kind() == KeeperError::NoNode) {
        return std::vector<std::string>{};
    }
    return children;
}

Result<int32_t> VersionedConfigStore::create(ConfigKind kind, std::string_view id,
                                             std::string_view data) {
    FERRY_TRY(validateId(kind, id));
    const std::string path = pathOf(kind, id);
    FERRY_TRY(m_keeper.ensurePath(parentPath(path)));
    KeeperFailure last;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto created = m_keeper.create(path, data);
        if (created.ok()) {
            return 0;
        }
        if (created.kind() == KeeperError::NodeExists) {
            auto existing = m_keeper.get(path);
            if (existing.ok() && attempt > 0 && existing->stat.version == 0 &&
                existing->data == data) {
                return 0;  // our create applied before the connection dropped
            }
            const std::string version =
                existing.ok() ? " (version " + std::to_string(existing->stat.version) + ")" : "";
            return makeError(ErrorCode::Conflict, describe(kind, id) + " already exists" + version +
                                                      ": reload it and edit it instead");
        }
        if (!isConnectionError(created.kind())) {
            return Error(std::move(created).error());
        }
        last = std::move(created).error();
    }
    return makeError(ErrorCode::Unavailable, "could not create " + describe(kind, id) + " after " +
                                                 std::to_string(kAttempts) +
                                                 " attempts: " + last.message);
}

Result<int32_t> VersionedConfigStore::write(ConfigKind kind, std::string_view id,
                                            std::string_view data, int32_t versionRead) {
    FERRY_TRY(validateId(kind, id));
    if (versionRead < 0) {
        return makeError(ErrorCode::InvalidArgument, "writing " + describe(kind, id) +
                                                         " needs the version it was read at, not " +
                                                         std::to_string(versionRead));
    }
    const std::string path = pathOf(kind, id);
    KeeperFailure last;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto written = m_keeper.set(path, data, versionRead);
        if (written.ok()) {
            return written->version;
        }
        if (isConnectionError(written.kind())) {
            last = std::move(written).error();
            continue;  // the next attempt's BadVersion path reads back what happened
        }
        if (written.kind() == KeeperError::NoNode) {
            return makeError(ErrorCode::Conflict, describe(kind, id) +
                                                      " was deleted by someone else (you edited "
                                                      "version " +
                                                      std::to_string(versionRead) +
                                                      "): reload; create it again if it should "
                                                      "exist");
        }
        if (written.kind() != KeeperError::BadVersion) {
            return Error(std::move(written).error());
        }
        auto current = m_keeper.get(path);
        if (!current.ok()) {
            return makeError(toErrorCode(current.kind()),
                             describe(kind, id) +
                                 " was changed by someone else (you edited "
                                 "version " +
                                 std::to_string(versionRead) +
                                 "), and reading it back failed: " + current.error().message);
        }
        if (attempt > 0 && current->stat.version == versionRead + 1 && current->data == data) {
            return current->stat.version;  // our earlier attempt applied; its reply was lost
        }
        return makeError(ErrorCode::Conflict,
                         describe(kind, id) + " was changed by someone else (version " +
                             std::to_string(current->stat.version) + ", you edited version " +
                             std::to_string(versionRead) + "): reload and reapply your change");
    }
    return makeError(ErrorCode::Unavailable, "could not write " + describe(kind, id) + " after " +
                                                 std::to_string(kAttempts) +
                                                 " attempts: " + last.message);
}

Status VersionedConfigStore::remove(ConfigKind kind, std::string_view id, int32_t versionRead) {
    FERRY_TRY(validateId(kind, id));
    const std::string path = pathOf(kind, id);
    KeeperFailure last;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto removed = m_keeper.remove(path, versionRead);
        if (removed.ok()) {
            return okStatus();
        }
        if (isConnectionError(removed.kind())) {
            last = std::move(removed).error();
            continue;
        }
        if (removed.kind() == KeeperError::NoNode) {
            if (attempt > 0) {
                return okStatus();  // our earlier attempt applied; its reply was lost
            }
            return makeError(ErrorCode::NotFound, describe(kind, id) + " does not exist");
        }
        if (removed.kind() == KeeperError::BadVersion) {
            auto current = m_keeper.exists(path);
            const std::string version =
                current.ok() && current->has_value()
                    ? "version " + std::to_string((*current)->version) + ", "
                    : "";
            return makeError(ErrorCode::Conflict,
                             describe(kind, id) + " was changed by someone else (" + version +
                                 "you deleted version " + std::to_string(versionRead) +
                                 "): reload and decide again");
        }
        return Error(std::move(removed).error());
    }
    return makeError(ErrorCode::Unavailable, "could not delete " + describe(kind, id) + " after " +
                                                 std::to_string(kAttempts) +
                                                 " attempts: " + last.message);
}

}  // namespace ferry::coord
