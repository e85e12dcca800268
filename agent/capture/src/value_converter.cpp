// SPDX-License-Identifier: Apache-2.0
#include "ferry/capture/value_converter.h"

#include <string>

#include "ferry/binlog/decimal.h"
#include "ferry/binlog/event_types.h"
#include "ferry/binlog/geometry_vector.h"
#include "ferry/binlog/json_binary.h"
#include "ferry/binlog/temporal.h"

namespace ferry::capture {

namespace {

using binlog::ValueKind;
namespace ct = binlog::column_type;

std::string describeColumn(const binlog::ColumnInfo& column, std::size_t index) {
    std::string out = "column " + std::to_string(index);
    if (!column.name.empty()) {
        out += " (`" + column.name + "`)";
    }
    return out;
}

Error valueError(const binlog::ColumnInfo& column, std::size_t index, std::string_view typeName,
                 const Error& cause) {
    return makeError(ErrorCode::Corrupt, describeColumn(column, index) + ": " +
                                             std::string(typeName) +
                                             " value does not decode: " + cause.message);
}

std::string asString(std::span<const std::uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

v1::JsonDiffOperation toProto(binlog::JsonDiffOperation operation) {
    switch (operation) {
        case binlog::JsonDiffOperation::Replace:
            return v1::JSON_DIFF_OPERATION_REPLACE;
        case binlog::JsonDiffOperation::Insert:
            return v1::JSON_DIFF_OPERATION_INSERT;
        case binlog::JsonDiffOperation::Remove:
            return v1::JSON_DIFF_OPERATION_REMOVE;
    }
    return v1::JSON_DIFF_OPERATION_UNSPECIFIED;
}

Status convertTemporal(const binlog::ColumnValue& value, std::string& out) {
    const std::uint8_t* data = value.bytes.data();
    const std::size_t size = value.bytes.size();
    switch (value.kind) {
        case ValueKind::Date: {
            FERRY_ASSIGN_OR_RETURN(auto date, binlog::decodeDate(data, size));
            binlog::appendDate(date, out);
            return okStatus();
        }
        case ValueKind::Datetime: {
            FERRY_ASSIGN_OR_RETURN(auto dt, binlog::decodeDateTime(data, size));
            binlog::appendDateTime(dt, out);
            return okStatus();
        }
        case ValueKind::Datetime2: {
            FERRY_ASSIGN_OR_RETURN(auto dt, binlog::decodeDateTime2(data, size, value.meta));
            binlog::appendDateTime(dt, out);
            return okStatus();
        }
        case ValueKind::Time: {
            FERRY_ASSIGN_OR_RETURN(auto time, binlog::decodeTime(data, size));
            binlog::appendTime(time, out);
            return okStatus();
        }
        case ValueKind::Time2: {
            FERRY_ASSIGN_OR_RETURN(auto time, binlog::decodeTime2(data, size, value.meta));
            binlog::appendTime(time, out);
            return okStatus();
        }
        default:
            return makeError(ErrorCode::Internal, "not a temporal value kind");
    }
}

Status convertJsonDiffs(std::span<const std::uint8_t> bytes, v1::JsonDiffs& out) {
    binlog::JsonDiffReader reader(bytes);
    binlog::JsonDiff diff;
    for (;;) {
        FERRY_ASSIGN_OR_RETURN(bool more, reader.next(diff));
        if (!more) {
            return okStatus();
        }
        auto* entry = out.add_diffs();
        entry->set_operation(toProto(diff.operation));
        entry->set_path(std::string(diff.path));
        if (diff.operation != binlog::JsonDiffOperation::Remove) {
            FERRY_TRY(binlog::appendJsonText(diff.value, *entry->mutable_value()));
        }
    }
}

const char* kindName(ValueKind kind) {
    switch (kind) {
        case ValueKind::Decimal:
            return "DECIMAL";
        case ValueKind::Date:
            return "DATE";
        case ValueKind::Time:
        case ValueKind::Time2:
            return "TIME";
        case ValueKind::Datetime:
        case ValueKind::Datetime2:
            return "DATETIME";
        case ValueKind::Json:
            return "JSON";
        case ValueKind::JsonDiff:
            return "partial JSON";
        case ValueKind::Geometry:
            return "GEOMETRY";
        case ValueKind::Vector:
            return "VECTOR";
        default:
            return "column";
    }
}

// The bits of a signed integer read from a `type` column, as the unsigned value they encode.
std::uint64_t asUnsigned(std::int64_t value, std::uint8_t type) {
    const auto bits = static_cast<std::uint64_t>(value);
    switch (type) {
        case ct::kTiny:
            return bits & 0xffu;
        case ct::kShort:
            return bits & 0xffffu;
        case ct::kInt24:
            return bits & 0xffffffu;
        case ct::kLong:
            return bits & 0xffffffffu;
        default:
            return bits;
    }
}

}  // namespace

Status ValueConverter::convert(const binlog::ColumnValue& decoded, const binlog::ColumnInfo& column,
                               std::size_t index, v1::Value& out, ColumnHint hint) {
    out.Clear();
    binlog::ColumnValue value = decoded;
    if (value.kind == ValueKind::SignedInt && column.isUnsigned) {
        value.kind = ValueKind::UnsignedInt;
        value.u = asUnsigned(value.i, value.type);
    } else if (value.kind == ValueKind::String && value.collation == 0 && column.collation != 0) {
        value.collation = column.collation;
        if (column.collation == 63 && value.type == ct::kString &&
            value.bytes.size() < column.maxLength) {
            value.padLength = column.maxLength;
        }
    }
    Status status;
    switch (value.kind) {
        case ValueKind::Absent:
            break;
        case ValueKind::Null:
            out.set_null(true);
            break;
        case ValueKind::SignedInt:
        case ValueKind::Year:
            out.set_int_(value.i);
            break;
        case ValueKind::UnsignedInt:
            out.set_uint(value.u);
            break;
        case ValueKind::Float:
        case ValueKind::Double:
            out.set_real(value.d);
            break;
        case ValueKind::Decimal:
            status = binlog::appendDecimal(value.bytes.data(), value.bytes.size(), value.meta >> 8,
                                           value.meta & 0xffu, *out.mutable_decimal());
            break;
        case ValueKind::Date:
        case ValueKind::Time:
        case ValueKind::Time2:
        case ValueKind::Datetime:
        case ValueKind::Datetime2:
            status = convertTemporal(value, *out.mutable_temporal());
            break;
        case ValueKind::Timestamp: {
            if (value.microseconds >= 1000000) {
                status =
                    makeError(ErrorCode::Corrupt, "fraction " + std::to_string(value.microseconds) +
                                                      " is a second or more");
                break;
            }
            auto* ts = out.mutable_timestamp();
            ts->set_seconds(static_cast<std::int64_t>(value.u));
            ts->set_microseconds(value.microseconds);
            ts->set_fsp(value.type == ct::kTimestamp2 ? value.meta : 0u);
            break;
        }
        case ValueKind::Bit:
            out.set_bit(value.u);
            break;
        case ValueKind::Enum:
            if (value.u > 0xffffu) {
                status = makeError(ErrorCode::Corrupt,
                                   "ENUM index " + std::to_string(value.u) + " is above 65535");
                break;
            }
            out.set_enum_index(static_cast<std::uint32_t>(value.u));
            break;
        case ValueKind::Set:
            out.set_set_bits(value.u);
            break;
        case ValueKind::String:
            if (hint == ColumnHint::Json) {
                out.set_json(asString(value.bytes));
            } else if (value.collation == 63) {
                std::string* bytes = out.mutable_binary();
                bytes->assign(asString(value.bytes));
                if (value.padLength > bytes->size()) {
                    bytes->resize(value.padLength, '\0');
                }
            } else {
                out.set_text(asString(value.bytes));
                out.set_collation(value.collation);
            }
            break;
        case ValueKind::Json:
            status = binlog::appendJsonText(value.bytes, *out.mutable_json());
            break;
        case ValueKind::JsonDiff:
            status = convertJsonDiffs(value.bytes, *out.mutable_json_diffs());
            break;
        case ValueKind::Geometry: {
            auto split = binlog::splitGeometry(value.bytes.data(), value.bytes.size());
            if (!split.ok()) {
                status = std::move(split).error();
                break;
            }
            out.set_geometry(asString(value.bytes));
            break;
        }
        case ValueKind::Vector: {
            auto dims = binlog::vectorDimension(value.bytes.size());
            if (!dims.ok()) {
                status = std::move(dims).error();
                break;
            }
            out.set_vector(asString(value.bytes));
            break;
        }
        default:
            return makeError(ErrorCode::Unsupported,
                             describeColumn(column, index) + ": value kind " +
                                 std::to_string(static_cast<int>(value.kind)) +
                                 " has no ferry.v1.Value mapping; upgrade Ferry");
    }
    if (!status.ok()) {
        out.Clear();
        return valueError(column, index, kindName(value.kind), status.error());
    }
    return okStatus();
}

Status ValueConverter::convertImage(binlog::RowImage image, const binlog::TableMap& table,
                                    const std::vector<ColumnHint>& hints,
                                    google::protobuf::RepeatedPtrField<v1::Value>& out) {
    return convertImage(image, table, {}, hints, out);
}

Status ValueConverter::convertImage(binlog::RowImage image, const binlog::TableMap& table,
                                    const std::vector<binlog::ColumnInfo>& columns,
                                    const std::vector<ColumnHint>& hints,
                                    google::protobuf::RepeatedPtrField<v1::Value>& out) {
    const std::vector<binlog::ColumnInfo>& infos = columns.empty() ? table.columns : columns;
    if (infos.size() != table.columns.size()) {
        return makeError(ErrorCode::Internal,
                         "`" + table.schema + "`.`" + table.table +
                             "`: " + std::to_string(infos.size()) + " column descriptions for " +
                             std::to_string(table.columns.size()) + " columns");
    }
    if (image.size() != table.columns.size()) {
        return makeError(ErrorCode::Corrupt, "row image of `" + table.schema + "`.`" + table.table +
                                                 "` has " + std::to_string(image.size()) +
                                                 " values for " +
                                                 std::to_string(table.columns.size()) + " columns");
    }
    out.Clear();
    out.Reserve(static_cast<int>(image.size()));
    for (std::size_t i = 0; i < image.size(); ++i) {
        ColumnHint hint = i < hints.size() ? hints[i] : ColumnHint::None;
        FERRY_TRY(convert(image[i], infos[i], i, *out.Add(), hint));
    }
    return okStatus();
}

v1::TableDefinition ValueConverter::tableDefinition(const binlog::TableMap& table) {
    v1::TableDefinition def;
    def.set_schema(table.schema);
    def.set_name(table.table);
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const auto& info = table.columns[i];
        auto* column = def.add_columns();
        column->set_name(info.name);
        column->set_type(info.realType);
        column->set_meta(info.meta);
        column->set_unsigned_(info.isUnsigned);
        column->set_nullable(info.nullable);
        column->set_collation(info.collation);
        if (const auto* labels = table.labels(i)) {
            for (const auto& label : *labels) {
                column->add_enum_names(label);
            }
        }
    }
    for (auto index : table.primaryKey) {
        def.add_primary_key(index);
    }
    return def;
}

}  // namespace ferry::capture
