// SPDX-License-Identifier: Apache-2.0
// GTID_TAGGED_LOG_EVENT (42, MySQL 8.3+): a GTID event written with MySQL's serialization
// library. The body is one message:
//   version (varlen, 1)  size (varlen, bytes of the whole body, these fields included)
//   last_non_ignorable_field_id (varlen)  then { field_id (varlen) field_data } in id order.
// Optional fields the server omits (original commit timestamp and server version when they equal
// the immediate ones, the commit group ticket when unset) are simply absent.
#include <array>
#include <string>

#include "decoder_internal.h"
#include "mysql_serialization.h"

namespace ferry::binlog::detail {

namespace {

// Field ids as Gtid_event::define_fields() assigns them (declaration order from 0).
enum class TaggedField : std::uint64_t {
    Flags = 0,
    Uuid = 1,
    Gno = 2,
    Tag = 3,
    LastCommitted = 4,
    SequenceNumber = 5,
    ImmediateCommitTimestamp = 6,
    OriginalCommitTimestamp = 7,
    TransactionLength = 8,
    ImmediateServerVersion = 9,
    OriginalServerVersion = 10,
    CommitGroupTicket = 11,
};
constexpr std::uint64_t kLastKnownField = 11;
constexpr std::array<const char*, kLastKnownField + 1> kFieldNames = {
    "gtid_flags",
    "uuid",
    "gno",
    "tag",
    "last_committed",
    "sequence_number",
    "immediate_commit_timestamp",
    "original_commit_timestamp",
    "transaction_length",
    "immediate_server_version",
    "original_server_version",
    "commit_group_ticket",
};
constexpr std::uint64_t kSerializationFormatVersion = 1;

}  // namespace

Status parseGtidTagged(const EventContext& ctx, std::span<const std::uint8_t> body, GtidEvent& ev) {
    ev.anonymous = false;
    ev.tagged = true;
    SerializationReader r(body);
    auto version = r.readUnsigned();
    auto size = r.readUnsigned();
    auto lastNonIgnorable = r.readUnsigned();
    if (!r.ok()) {
        return corrupt(ctx,
                       "GTID_TAGGED message header (version, size, last non-ignorable field) "
                       "runs past the end of the " +
                           std::to_string(body.size()) + "-byte body");
    }
    if (*version != kSerializationFormatVersion) {
        return unsupported(ctx, "GTID_TAGGED uses serialization format version " +
                                    std::to_string(*version) +
                                    "; only version 1 (MySQL 8.3 and later) is known: upgrade "
                                    "Ferry to read this binlog");
    }
    if (*size != body.size()) {
        return corrupt(ctx, "GTID_TAGGED message declares " + std::to_string(*size) +
                                " bytes but the event body has " + std::to_string(body.size()));
    }

    std::array<bool, kLastKnownField + 1> seen{};
    std::array<std::uint64_t, kLastKnownField + 1> value{};
    std::string_view tag;
    std::array<std::uint8_t, 16> uuid{};
    std::uint64_t nextAllowed = 0;  // fields come once each, in increasing id order
    while (!r.atEnd()) {
        std::size_t at = r.position();
        auto id = r.readUnsigned();
        if (!id) {
            return corrupt(ctx, "GTID_TAGGED field id at byte " + std::to_string(at) +
                                    " runs past the end of the message");
        }
        if (*id < nextAllowed) {
            return corrupt(ctx, "GTID_TAGGED field id " + std::to_string(*id) + " at byte " +
                                    std::to_string(at) + " repeats or goes back after field " +
                                    std::to_string(nextAllowed - 1) +
                                    "; fields come once each, in increasing order");
        }
        if (*id > kLastKnownField) {
            if (*id <= *lastNonIgnorable) {
                return unsupported(ctx, "GTID_TAGGED carries field " + std::to_string(*id) +
                                            ", unknown to this decoder and marked required by "
                                            "the server (last non-ignorable field " +
                                            std::to_string(*lastNonIgnorable) +
                                            "): upgrade Ferry to read this binlog");
            }
            // An ignorable field of a newer server; every later field has a higher id and is
            // ignorable too, and the message size already bounds them.
            break;
        }
        nextAllowed = *id + 1;
        const auto field = static_cast<TaggedField>(*id);
        const char* name = kFieldNames[*id];
        std::string range;  // set when a well-formed value is out of the field's range
        switch (field) {
            case TaggedField::Uuid:
                for (std::size_t i = 0; i < uuid.size() && r.ok(); ++i) {
                    auto b = r.readUnsigned();
                    if (b && *b > 0xff) {
                        range = "byte " + std::to_string(i) + " is " + std::to_string(*b);
                        break;
                    }
                    uuid[i] = static_cast<std::uint8_t>(b.value_or(0));
                }
                break;
            case TaggedField::Tag: {
                auto s = r.readString();
                tag = s.value_or(std::string_view{});
                break;
            }
            case TaggedField::Gno:
            case TaggedField::LastCommitted:
            case TaggedField::SequenceNumber: {
                auto v = r.readSigned();
                if (v && *v < 0) {
                    range = "it is negative (" + std::to_string(*v) + ")";
                }
                value[*id] = static_cast<std::uint64_t>(v.value_or(0));
                break;
            }
            default: {
                auto v = r.readUnsigned();
                value[*id] = v.value_or(0);
                std::uint64_t max = ~std::uint64_t{0};
                if (field == TaggedField::Flags) {
                    max = 0xff;
                } else if (field == TaggedField::ImmediateServerVersion ||
                           field == TaggedField::OriginalServerVersion) {
                    max = 0xffffffff;
                }
                if (v && *v > max) {
                    range = "its value " + std::to_string(*v) + " exceeds " + std::to_string(max);
                }
                break;
            }
        }
        if (!r.ok()) {
            return corrupt(ctx, std::string("GTID_TAGGED field ") + name + " at byte " +
                                    std::to_string(at) + " runs past the end of the message");
        }
        if (!range.empty()) {
            return corrupt(ctx, std::string("GTID_TAGGED field ") + name + " at byte " +
                                    std::to_string(at) + " is out of range: " + range);
        }
        seen[*id] = true;
    }

    auto has = [&](TaggedField f) { return seen[static_cast<std::size_t>(f)]; };
    auto get = [&](TaggedField f) { return value[static_cast<std::size_t>(f)]; };
    for (TaggedField required : {TaggedField::Uuid, TaggedField::Gno}) {
        if (!has(required)) {
            return corrupt(ctx, std::string("GTID_TAGGED message lacks its ") +
                                    kFieldNames[static_cast<std::size_t>(required)] + " field");
        }
    }
    ev.flags = static_cast<std::uint8_t>(get(TaggedField::Flags));
    ev.sid = uuid;
    ev.gno = get(TaggedField::Gno);
    ev.tag = std::string(tag);
    auto gtid = model::MysqlGtid::make(model::Uuid{uuid}, tag, ev.gno);
    if (!gtid.ok()) {
        return corrupt(ctx, "GTID_TAGGED: " + gtid.error().message);
    }
    ev.gtid = std::move(gtid).value();
    ev.lastCommitted = get(TaggedField::LastCommitted);
    ev.sequenceNumber = get(TaggedField::SequenceNumber);
    if (has(TaggedField::ImmediateCommitTimestamp)) {
        ev.immediateCommitTimestamp = get(TaggedField::ImmediateCommitTimestamp);
        ev.originalCommitTimestamp = has(TaggedField::OriginalCommitTimestamp)
                                         ? get(TaggedField::OriginalCommitTimestamp)
                                         : *ev.immediateCommitTimestamp;
    } else if (has(TaggedField::OriginalCommitTimestamp)) {
        ev.originalCommitTimestamp = get(TaggedField::OriginalCommitTimestamp);
    }
    if (has(TaggedField::TransactionLength)) {
        ev.transactionLength = get(TaggedField::TransactionLength);
    }
    if (has(TaggedField::ImmediateServerVersion)) {
        ev.immediateServerVersion =
            static_cast<std::uint32_t>(get(TaggedField::ImmediateServerVersion));
        ev.originalServerVersion =
            has(TaggedField::OriginalServerVersion)
                ? static_cast<std::uint32_t>(get(TaggedField::OriginalServerVersion))
                : *ev.immediateServerVersion;
    } else if (has(TaggedField::OriginalServerVersion)) {
        ev.originalServerVersion =
            static_cast<std::uint32_t>(get(TaggedField::OriginalServerVersion));
    }
    if (has(TaggedField::CommitGroupTicket)) {
        ev.commitGroupTicket = get(TaggedField::CommitGroupTicket);
    }
    return okStatus();
}

}  // namespace ferry::binlog::detail
