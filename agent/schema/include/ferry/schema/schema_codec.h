// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/schema/schema_model.h"

namespace ferry::schema::v1 {
class SchemaModelData;
class TableModel;
}  // namespace ferry::schema::v1

namespace ferry::schema {

// Conversions between the in-memory model and its protobuf form (ferry.schema.v1), and that
// form's JSON (protobuf's JSON mapping), as ferry.schema_history stores it.
void encodeTable(const TableDef& table, v1::TableModel& out);
TableDef decodeTable(const v1::TableModel& in);

// Every database and table of the model.
v1::SchemaModelData encodeModel(const SchemaModel& model);
// Puts the databases and tables of `data` into `model` and removes its dropped ones.
void applyModelData(const v1::SchemaModelData& data, SchemaModel& model);

Result<std::string> modelDataToJson(const v1::SchemaModelData& data);
// Untrusted text (a stored row): errors are Corrupt and name `origin`.
Result<v1::SchemaModelData> modelDataFromJson(std::string_view json, std::string_view origin);

}  // namespace ferry::schema
