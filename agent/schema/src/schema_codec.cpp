// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/schema_codec.h"

#include <google/protobuf/util/json_util.h>

#include "ferry/schema/v1/schema_model.pb.h"

namespace ferry::schema {
namespace {

namespace pb = ferry::schema::v1;

pb::GeneratedKind toProto(GeneratedKind kind) {
    switch (kind) {
        case GeneratedKind::Virtual:
            return pb::GENERATED_KIND_VIRTUAL;
        case GeneratedKind::Stored:
            return pb::GENERATED_KIND_STORED;
        case GeneratedKind::None:
            break;
    }
    return pb::GENERATED_KIND_UNSPECIFIED;
}

GeneratedKind fromProto(pb::GeneratedKind kind) {
    switch (kind) {
        case pb::GENERATED_KIND_VIRTUAL:
            return GeneratedKind::Virtual;
        case pb::GENERATED_KIND_STORED:
            return GeneratedKind::Stored;
        default:
            return GeneratedKind::None;
    }
}

pb::IndexKind toProto(IndexKind kind) {
    switch (kind) {
        case IndexKind::Primary:
            return pb::INDEX_KIND_PRIMARY;
        case IndexKind::Unique:
            return pb::INDEX_KIND_UNIQUE;
        case IndexKind::Plain:
            return pb::INDEX_KIND_PLAIN;
        case IndexKind::Fulltext:
            return pb::INDEX_KIND_FULLTEXT;
        case IndexKind::Spatial:
            return pb::INDEX_KIND_SPATIAL;
    }
    return pb::INDEX_KIND_UNSPECIFIED;
}

IndexKind fromProto(pb::IndexKind kind) {
    switch (kind) {
        case pb::INDEX_KIND_PRIMARY:
            return IndexKind::Primary;
        case pb::INDEX_KIND_UNIQUE:
            return IndexKind::Unique;
        case pb::INDEX_KIND_FULLTEXT:
            return IndexKind::Fulltext;
        case pb::INDEX_KIND_SPATIAL:
            return IndexKind::Spatial;
        default:
            return IndexKind::Plain;
    }
}

pb::ReferenceAction toProto(ReferenceAction action) {
    switch (action) {
        case ReferenceAction::Restrict:
            return pb::REFERENCE_ACTION_RESTRICT;
        case ReferenceAction::Cascade:
            return pb::REFERENCE_ACTION_CASCADE;
        case ReferenceAction::SetNull:
            return pb::REFERENCE_ACTION_SET_NULL;
        case ReferenceAction::NoAction:
            return pb::REFERENCE_ACTION_NO_ACTION;
        case ReferenceAction::SetDefault:
            return pb::REFERENCE_ACTION_SET_DEFAULT;
        case ReferenceAction::Unspecified:
            break;
    }
    return pb::REFERENCE_ACTION_UNSPECIFIED;
}

ReferenceAction fromProto(pb::ReferenceAction action) {
    switch (action) {
        case pb::REFERENCE_ACTION_RESTRICT:
            return ReferenceAction::Restrict;
        case pb::REFERENCE_ACTION_CASCADE:
            return ReferenceAction::Cascade;
        case pb::REFERENCE_ACTION_SET_NULL:
            return ReferenceAction::SetNull;
        case pb::REFERENCE_ACTION_NO_ACTION:
            return ReferenceAction::NoAction;
        case pb::REFERENCE_ACTION_SET_DEFAULT:
            return ReferenceAction::SetDefault;
        default:
            return ReferenceAction::Unspecified;
    }
}

}  // namespace

void encodeTable(const TableDef& table, v1::TableModel& out) {
    out.set_schema(table.schema);
    out.set_name(table.name);
    out.set_charset(table.charset);
    out.set_collation(table.collation);
    out.set_engine(table.engine);
    for (const auto& c : table.columns) {
        auto* col = out.add_columns();
        col->set_name(c.name);
        col->set_data_type(c.dataType);
        col->set_column_type(c.columnType);
        col->set_unsigned_(c.isUnsigned);
        col->set_zerofill(c.zerofill);
        col->set_nullable(c.nullable);
        col->set_charset(c.charset);
        col->set_collation(c.collation);
        col->set_length(c.length);
        col->set_precision(c.precision);
        col->set_scale(c.scale);
        col->set_fsp(c.fsp);
        for (const auto& m : c.members) {
            col->add_members(m);
        }
        col->set_generated(toProto(c.generated));
        col->set_generation_expression(c.generationExpression);
        col->set_auto_increment(c.autoIncrement);
        col->set_on_update_current_timestamp(c.onUpdateCurrentTimestamp);
        col->set_invisible(c.invisible);
    }
    for (const auto& index : table.indexes) {
        auto* idx = out.add_indexes();
        idx->set_name(index.name);
        idx->set_kind(toProto(index.kind));
        for (const auto& part : index.parts) {
            auto* p = idx->add_parts();
            p->set_column(part.column);
            p->set_prefix_length(part.prefixLength);
            p->set_expression(part.expression);
        }
    }
    for (const auto& fk : table.foreignKeys) {
        auto* f = out.add_foreign_keys();
        f->set_name(fk.name);
        for (const auto& c : fk.columns) {
            f->add_columns(c);
        }
        f->set_referenced_schema(fk.referencedSchema);
        f->set_referenced_table(fk.referencedTable);
        for (const auto& c : fk.referencedColumns) {
            f->add_referenced_columns(c);
        }
        f->set_on_delete(toProto(fk.onDelete));
        f->set_on_update(toProto(fk.onUpdate));
    }
}

TableDef decodeTable(const v1::TableModel& in) {
    TableDef table;
    table.schema = in.schema();
    table.name = in.name();
    table.charset = in.charset();
    table.collation = in.collation();
    table.engine = in.engine();
    for (const auto& col : in.columns()) {
        ColumnDef c;
        c.name = col.name();
        c.dataType = col.data_type();
        c.columnType = col.column_type();
        c.isUnsigned = col.unsigned_();
        c.zerofill = col.zerofill();
        c.nullable = col.nullable();
        c.charset = col.charset();
        c.collation = col.collation();
        c.length = col.length();
        c.precision = col.precision();
        c.scale = col.scale();
        c.fsp = col.fsp();
        c.members.assign(col.members().begin(), col.members().end());
        c.generated = fromProto(col.generated());
        c.generationExpression = col.generation_expression();
        c.autoIncrement = col.auto_increment();
        c.onUpdateCurrentTimestamp = col.on_update_current_timestamp();
        c.invisible = col.invisible();
        table.columns.push_back(std::move(c));
    }
    for (const auto& idx : in.indexes()) {
        IndexDef index;
        index.name = idx.name();
        index.kind = fromProto(idx.kind());
        for (const auto& p : idx.parts()) {
            index.parts.push_back({p.column(), p.prefix_length(), p.expression()});
        }
        table.indexes.push_back(std::move(index));
    }
    for (const auto& f : in.foreign_keys()) {
        ForeignKeyDef fk;
        fk.name = f.name();
        fk.columns.assign(f.columns().begin(), f.columns().end());
        fk.referencedSchema = f.referenced_schema();
        fk.referencedTable = f.referenced_table();
        fk.referencedColumns.assign(f.referenced_columns().begin(), f.referenced_columns().end());
        fk.onDelete = fromProto(f.on_delete());
        fk.onUpdate = fromProto(f.on_update());
        table.foreignKeys.push_back(std::move(fk));
    }
    return table;
}

v1::SchemaModelData encodeModel(const SchemaModel& model) {
    v1::SchemaModelData data;
    for (const DatabaseDef* db : model.databases()) {
        auto* d = data.add_databases();
        d->set_name(db->name);
        d->set_charset(db->charset);
        d->set_collation(db->collation);
    }
    for (const auto& table : model.tables()) {
        encodeTable(*table, *data.add_tables());
    }
    return data;
}

void applyModelData(const v1::SchemaModelData& data, SchemaModel& model) {
    for (const auto& name : data.dropped_databases()) {
        model.dropDatabase(name);
    }
    for (const auto& qualified : data.dropped_tables()) {
        auto dot = qualified.find('.');
        if (dot != std::string::npos) {
            model.dropTable(qualified.substr(0, dot), qualified.substr(dot + 1));
        }
    }
    for (const auto& d : data.databases()) {
        model.putDatabase({d.name(), d.charset(), d.collation()});
    }
    for (const auto& t : data.tables()) {
        model.putTable(decodeTable(t));
    }
}

Result<std::string> modelDataToJson(const v1::SchemaModelData& data) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    auto status = google::protobuf::util::MessageToJsonString(data, &json, options);
    if (!status.ok()) {
        return makeError(ErrorCode::Internal,
                         "cannot encode the schema model as JSON: " + status.ToString());
    }
    return json;
}

Result<v1::SchemaModelData> modelDataFromJson(std::string_view json, std::string_view origin) {
    v1::SchemaModelData data;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;  // written by a newer Ferry
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &data, options);
    if (!status.ok()) {
        return makeError(ErrorCode::Corrupt, std::string(origin) +
                                                 ": the stored schema model is not valid JSON "
                                                 "of ferry.schema.v1.SchemaModelData: " +
                                                 status.ToString() +
                                                 "; take a new schema snapshot");
    }
    return data;
}

}  // namespace ferry::schema
