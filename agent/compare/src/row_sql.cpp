// SPDX-License-Identifier: Apache-2.0
#include "ferry/compare/row_sql.h"

#include <array>
#include <cctype>

namespace ferry::compare {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// The tuple comparison `key op literals`, expanded: (k1 op1 v1) OR (k1 = v1 AND k2 op1 v2) ...
// with `last` as the operator of the final column.
std::string expandedCompare(const std::vector<std::string>& key,
                            const std::vector<std::string>& literals, std::string_view op,
                            std::string_view last) {
    std::string out = "(";
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (i != 0) {
            out += " OR ";
        }
        out += "(";
        for (std::size_t j = 0; j < i; ++j) {
            out += quoteIdentifier(key[j]) + " = " + literals[j] + " AND ";
        }
        out += quoteIdentifier(key[i]);
        out += " ";
        out += (i + 1 == key.size()) ? last : op;
        out += " " + literals[i] + ")";
    }
    out += ")";
    return out;
}

}  // namespace

ValueClass classifyDataType(std::string_view dataType) {
    static constexpr std::array<std::string_view, 16> kBinary = {
        "binary",        "varbinary",  "tinyblob",        "blob",         "mediumblob",
        "longblob",      "bit",        "geometry",        "point",        "linestring",
        "polygon",       "multipoint", "multilinestring", "multipolygon", "geometrycollection",
        "geomcollection"};
    static constexpr std::array<std::string_view, 10> kText = {
        "char",     "varchar", "tinytext", "text", "mediumtext",
        "longtext", "enum",    "set",      "json", "inet6"};
    const std::string type = lower(dataType);
    for (std::string_view name : kBinary) {
        if (type == name) {
            return ValueClass::Binary;
        }
    }
    for (std::string_view name : kText) {
        if (type == name) {
            return ValueClass::Text;
        }
    }
    return ValueClass::Plain;
}

std::string normalizeColumnType(std::string_view columnType) {
    std::string type = lower(columnType);
    static constexpr std::array<std::string_view, 5> kIntegers = {"tinyint", "smallint",
                                                                  "mediumint", "bigint", "int"};
    for (std::string_view name : kIntegers) {
        if (type.rfind(name, 0) == 0 && type.size() > name.size() && type[name.size()] == '(') {
            const auto close = type.find(')', name.size());
            if (close != std::string::npos) {
                type.erase(name.size(), close - name.size() + 1);
            }
            break;
        }
    }
    return type;
}

std::string quoteIdentifier(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        if (c == '`') {
            out += '`';
        }
        out += c;
    }
    out += '`';
    return out;
}

std::string qualifiedName(std::string_view schema, std::string_view table) {
    return quoteIdentifier(schema) + "." + quoteIdentifier(table);
}

std::string rowHashExpression(const std::vector<ColumnInfo>& columns) {
    if (columns.empty()) {
        return "MD5('')";
    }
    std::string values;
    std::string nulls;
    std::string lengths;
    for (const ColumnInfo& column : columns) {
        const std::string id = quoteIdentifier(column.name);
        if (!values.empty()) {
            values += ", ";
            nulls += ", ";
        }
        switch (classifyDataType(column.dataType)) {
            case ValueClass::Binary:
                values += "HEX(" + id + ")";
                lengths += ", LENGTH(" + id + ")";
                break;
            case ValueClass::Text:
                values += "CONVERT(" + id + " USING utf8mb4)";
                lengths += ", CHAR_LENGTH(" + id + ")";
                break;
            case ValueClass::Plain:
                values += id;
                break;
        }
        nulls += "ISNULL(" + id + ")";
    }
    std::string out = "MD5(CONCAT_WS('#', " + values + ", CONCAT(" + nulls + ")";
    if (!lengths.empty()) {
        out += ", CONCAT_WS(','" + lengths + ")";
    }
    out += "))";
    return out;
}

std::string chunkChecksumQuery(std::string_view qualifiedTable,
                               const std::vector<ColumnInfo>& columns, std::string_view where) {
    std::string sql =
        "SELECT COUNT(*), "
        "COALESCE(SUM(CAST(CONV(SUBSTRING(ferry_h, 1, 16), 16, 10) AS UNSIGNED)), 0), "
        "COALESCE(BIT_XOR(CAST(CONV(SUBSTRING(ferry_h, 17, 16), 16, 10) AS UNSIGNED)), 0) "
        "FROM (SELECT " +
        rowHashExpression(columns) + " AS ferry_h FROM " + std::string(qualifiedTable);
    if (!where.empty()) {
        sql += " WHERE " + std::string(where);
    }
    sql += ") AS ferry_rows";
    return sql;
}

std::string hexLiteral(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out = "X'";
    for (char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0x0f];
    }
    out += "'";
    return out;
}

std::string keyAfter(const std::vector<std::string>& key,
                     const std::vector<std::string>& literals) {
    return expandedCompare(key, literals, ">", ">");
}

std::string keyAtMost(const std::vector<std::string>& key,
                      const std::vector<std::string>& literals) {
    return expandedCompare(key, literals, "<", "<=");
}

}  // namespace ferry::compare
