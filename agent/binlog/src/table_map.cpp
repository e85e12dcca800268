// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "byte_reader.h"
#include "decoder_internal.h"

namespace ferry::binlog {

namespace ct = column_type;

bool ColumnInfo::isNumeric() const {
    switch (type) {
        case ct::kTiny:
        case ct::kShort:
        case ct::kInt24:
        case ct::kLong:
        case ct::kLongLong:
        case ct::kDecimal:
        case ct::kNewDecimal:
        case ct::kFloat:
        case ct::kDouble:
        case ct::kYear:
            return true;
        default:
            return false;
    }
}

bool ColumnInfo::isCharacter(ServerFlavor flavor) const {
    switch (type) {
        case ct::kString:
            return realType == ct::kString;
        case ct::kVarString:
        case ct::kVarchar:
        case ct::kBlob:
            return true;
        case ct::kGeometry:
            return flavor == ServerFlavor::MariaDb;
        default:
            return false;
    }
}

const std::vector<std::string>* TableMap::labels(std::size_t column) const {
    if (column >= columns.size() || column >= enumSetIndex.size() || enumSetIndex[column] < 0) {
        return nullptr;
    }
    auto idx = static_cast<std::size_t>(enumSetIndex[column]);
    const auto& list = columns[column].realType == ct::kEnum ? enumValues : setValues;
    return idx < list.size() ? &list[idx] : nullptr;
}

namespace detail {
namespace {

namespace om = optional_metadata;

bool bitMsbFirst(std::span<const std::uint8_t> bitmap, std::size_t bit) {
    std::size_t byte = bit / 8;
    return byte < bitmap.size() && (bitmap[byte] & (0x80 >> (bit % 8))) != 0;
}

// Reads the per-column metadata bytes for one binlog type into `col`.
bool readMeta(ByteReader& r, ColumnInfo& col) {
    switch (col.type) {
        case ct::kFloat:
        case ct::kDouble:
        case ct::kBlob:
        case ct::kJson:
        case ct::kGeometry:
        case ct::kTime2:
        case ct::kDatetime2:
        case ct::kTimestamp2:
        case ct::kVector:
        case ct::kTinyBlob:
        case ct::kMediumBlob:
        case ct::kLongBlob:
            col.meta = r.u8();
            break;
        case ct::kVarchar:
        case ct::kVarString:
        case ct::kBit:
            col.meta = r.u16();
            break;
        case ct::kString:
        case ct::kNewDecimal:
        case ct::kEnum:
        case ct::kSet:
            col.meta = static_cast<std::uint16_t>(r.uintBe(2));
            break;
        case ct::kTiny:
        case ct::kShort:
        case ct::kInt24:
        case ct::kLong:
        case ct::kLongLong:
        case ct::kDate:
        case ct::kNewDate:
        case ct::kTime:
        case ct::kDatetime:
        case ct::kTimestamp:
        case ct::kYear:
        case ct::kNull:
        case ct::kDecimal:
            break;
        default:
            return false;
    }
    col.realType = col.type;
    if (col.type == ct::kString) {
        auto b0 = static_cast<std::uint8_t>(col.meta >> 8);
        auto b1 = static_cast<std::uint8_t>(col.meta & 0xff);
        if ((b0 & 0x30) != 0x30) {
            col.realType = static_cast<std::uint8_t>(b0 | 0x30);
            col.maxLength = b1 | (static_cast<std::uint32_t>((b0 & 0x30) ^ 0x30) << 4);
        } else {
            col.realType = b0;
            col.maxLength = b1;
        }
    } else if (col.type == ct::kEnum || col.type == ct::kSet) {
        col.maxLength = col.meta & 0xff;
    } else if (col.type == ct::kVarchar || col.type == ct::kVarString) {
        col.maxLength = col.meta;
    }
    return true;
}

CharsetList readDefaultCharset(ByteReader& r) {
    CharsetList list;
    list.defaultCollation = static_cast<std::uint32_t>(r.lenenc());
    while (r.ok() && !r.atEnd()) {
        auto index = static_cast<std::uint32_t>(r.lenenc());
        auto collation = static_cast<std::uint32_t>(r.lenenc());
        if (r.ok()) {
            list.exceptions.emplace_back(index, collation);
        }
    }
    return list;
}

CharsetList readColumnCharset(ByteReader& r) {
    CharsetList list;
    while (r.ok() && !r.atEnd()) {
        auto collation = static_cast<std::uint32_t>(r.lenenc());
        if (r.ok()) {
            list.perColumn.push_back(collation);
        }
    }
    return list;
}

std::vector<std::vector<std::string>> readStrValues(ByteReader& r) {
    std::vector<std::vector<std::string>> out;
    while (r.ok() && !r.atEnd()) {
        std::uint64_t count = r.lenenc();
        if (!r.ok() || count > r.remaining()) {
            r.fail();
            break;
        }
        auto& labels = out.emplace_back();
        labels.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
            std::uint64_t len = r.lenenc();
            labels.emplace_back(r.text(len));
        }
    }
    return out;
}

std::vector<std::uint32_t> readLenencList(ByteReader& r) {
    std::vector<std::uint32_t> out;
    while (r.ok() && !r.atEnd()) {
        out.push_back(static_cast<std::uint32_t>(r.lenenc()));
    }
    return out;
}

// Assigns collations from a charset list to the columns that `selects` picks.
template <typename Select>
Status applyCharsets(const EventContext& ctx, TableMap& map, const CharsetList& list,
                     Select selects, std::string_view what) {
    std::size_t ordinal = 0;
    std::size_t total = 0;
    for (const auto& col : map.columns) {
        total += selects(col) ? 1 : 0;
    }
    if (!list.perColumn.empty() && list.perColumn.size() != total) {
        return corrupt(ctx, std::string(what) + " lists " + std::to_string(list.perColumn.size()) +
                                " collations for " + std::to_string(total) + " columns");
    }
    for (auto& col : map.columns) {
        if (!selects(col)) {
            continue;
        }
        if (!list.perColumn.empty()) {
            col.collation = static_cast<std::uint16_t>(list.perColumn[ordinal]);
        } else if (list.defaultCollation) {
            col.collation = static_cast<std::uint16_t>(*list.defaultCollation);
        }
        ++ordinal;
    }
    if (list.perColumn.empty()) {
        for (auto [index, collation] : list.exceptions) {
            if (index >= total) {
                return corrupt(ctx, std::string(what) + " names character column " +
                                        std::to_string(index) + " of " + std::to_string(total));
            }
            std::size_t seen = 0;
            for (auto& col : map.columns) {
                if (selects(col) && seen++ == index) {
                    col.collation = static_cast<std::uint16_t>(collation);
                    break;
                }
            }
        }
    }
    return okStatus();
}

}  // namespace

Result<std::unique_ptr<TableMap>> parseTableMap(const EventContext& ctx,
                                                std::span<const std::uint8_t> body,
                                                const FormatDescription& fde) {
    auto map = std::make_unique<TableMap>();
    ByteReader r(body);
    std::uint8_t postHeader = fde.postHeaderLength(19, 8);
    map->tableId = r.uint(postHeader == 6 ? 4 : 6);
    map->flags = r.u16();
    if (postHeader > 8) {
        r.skip(postHeader - 8);
    }
    std::uint8_t schemaLen = r.u8();
    map->schema = std::string(r.text(schemaLen));
    r.skip(1);
    std::uint8_t tableLen = r.u8();
    map->table = std::string(r.text(tableLen));
    r.skip(1);
    std::uint64_t count = r.lenenc();
    if (!r.ok() || count > r.remaining()) {
        return corrupt(ctx, "table map header or column count (" + std::to_string(count) +
                                ") runs past the end of the event");
    }
    auto types = r.bytes(count);
    map->columns.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < map->columns.size(); ++i) {
        map->columns[i].type = types[i];
        if (types[i] == ct::kJson) {
            ++map->jsonColumnCount;
        }
    }
    std::uint64_t metaLen = r.lenenc();
    auto meta = r.bytes(metaLen);
    if (!r.ok()) {
        return corrupt(ctx, "table map metadata length " + std::to_string(metaLen) +
                                " runs past the end of the event");
    }
    ByteReader m(meta);
    for (std::size_t i = 0; i < map->columns.size(); ++i) {
        if (!readMeta(m, map->columns[i])) {
            return unsupported(ctx, "column " + std::to_string(i) + " of " + map->schema + "." +
                                        map->table + " has unknown binlog type " +
                                        std::to_string(map->columns[i].type));
        }
    }
    if (!m.ok() || !m.atEnd()) {
        return corrupt(ctx, "table map metadata block of " + std::to_string(metaLen) +
                                " bytes does not match the column types");
    }
    auto nullBits = r.bytes((count + 7) / 8);
    if (!r.ok()) {
        return corrupt(ctx, "table map nullability bitmap runs past the end of the event");
    }
    map->nullBitmap.assign(nullBits.begin(), nullBits.end());
    for (std::size_t i = 0; i < map->columns.size(); ++i) {
        map->columns[i].nullable = (nullBits[i / 8] >> (i % 8)) & 1;
    }
    map->enumSetIndex.assign(map->columns.size(), -1);
    {
        int enums = 0;
        int sets = 0;
        for (std::size_t i = 0; i < map->columns.size(); ++i) {
            if (map->columns[i].realType == ct::kEnum) {
                map->enumSetIndex[i] = enums++;
            } else if (map->columns[i].realType == ct::kSet) {
                map->enumSetIndex[i] = sets++;
            }
        }
    }

    // Optional metadata TLVs until the end of the body.
    while (!r.atEnd()) {
        std::uint8_t type = r.u8();
        std::uint64_t len = r.lenenc();
        auto value = r.bytes(len);
        if (!r.ok()) {
            return corrupt(ctx, "optional metadata field " + std::to_string(type) + " of " +
                                    std::to_string(len) + " bytes runs past the end of the event");
        }
        map->optionalMetadataOrder.push_back(type);
        ByteReader v(value);
        switch (type) {
            case om::kSignedness: {
                map->signedness.assign(value.begin(), value.end());
                std::size_t numeric = 0;
                for (auto& col : map->columns) {
                    if (col.isNumeric()) {
                        col.isUnsigned = bitMsbFirst(value, numeric++);
                    }
                }
                break;
            }
            case om::kDefaultCharset:
                map->defaultCharset = readDefaultCharset(v);
                break;
            case om::kColumnCharset:
                map->defaultCharset = readColumnCharset(v);
                break;
            case om::kColumnName: {
                std::size_t i = 0;
                while (v.ok() && !v.atEnd()) {
                    std::uint8_t n = v.u8();
                    auto name = v.text(n);
                    if (v.ok() && i < map->columns.size()) {
                        map->columns[i].name = std::string(name);
                    }
                    ++i;
                }
                if (v.ok() && i != map->columns.size()) {
                    return corrupt(ctx, "COLUMN_NAME lists " + std::to_string(i) + " names for " +
                                            std::to_string(count) + " columns");
                }
                break;
            }
            case om::kSetStrValue:
                map->setValues = readStrValues(v);
                break;
            case om::kEnumStrValue:
                map->enumValues = readStrValues(v);
                break;
            case om::kGeometryType: {
                map->geometryTypes = readLenencList(v);
                std::size_t g = 0;
                for (auto& col : map->columns) {
                    if (col.type == ct::kGeometry && g < map->geometryTypes.size()) {
                        col.geometryType = static_cast<std::int32_t>(map->geometryTypes[g++]);
                    }
                }
                break;
            }
            case om::kSimplePrimaryKey:
                map->primaryKey = readLenencList(v);
                break;
            case om::kPrimaryKeyWithPrefix:
                while (v.ok() && !v.atEnd()) {
                    auto index = static_cast<std::uint32_t>(v.lenenc());
                    auto prefix = static_cast<std::uint32_t>(v.lenenc());
                    map->primaryKeyPrefixes.emplace_back(index, prefix);
                    map->primaryKey.push_back(index);
                }
                break;
            case om::kEnumAndSetDefaultCharset:
                map->enumSetCharset = readDefaultCharset(v);
                break;
            case om::kEnumAndSetColumnCharset:
                map->enumSetCharset = readColumnCharset(v);
                break;
            case om::kColumnVisibility: {
                map->columnVisibility.assign(value.begin(), value.end());
                for (std::size_t i = 0; i < map->columns.size(); ++i) {
                    map->columns[i].visible = bitMsbFirst(value, i);
                }
                break;
            }
            case om::kVectorDimensionality: {
                map->vectorDimensions = readLenencList(v);
                std::size_t k = 0;
                for (auto& col : map->columns) {
                    if (col.type == ct::kVector && k < map->vectorDimensions.size()) {
                        col.vectorDimensions = map->vectorDimensions[k++];
                    }
                }
                break;
            }
            default:
                break;  // unknown types are skipped by their length
        }
        if (!v.ok()) {
            return corrupt(ctx, "optional metadata field " + std::to_string(type) +
                                    " does not decode within its " + std::to_string(len) +
                                    " bytes");
        }
    }
    for (auto index : map->primaryKey) {
        if (index >= map->columns.size()) {
            return corrupt(ctx, "primary key names column " + std::to_string(index) + " of " +
                                    std::to_string(count));
        }
    }
    FERRY_TRY(applyCharsets(
        ctx, *map, map->defaultCharset,
        [&](const ColumnInfo& c) { return c.isCharacter(fde.flavor); }, "column charset"));
    FERRY_TRY(applyCharsets(
        ctx, *map, map->enumSetCharset, [](const ColumnInfo& c) { return c.isEnumOrSet(); },
        "ENUM/SET charset"));
    return map;
}

}  // namespace detail
}  // namespace ferry::binlog
