// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/event_types.h"

namespace ferry::binlog {

std::string eventTypeName(std::uint8_t typeCode) {
    switch (static_cast<EventType>(typeCode)) {
        case EventType::StartV3:
            return "START_V3";
        case EventType::Query:
            return "QUERY";
        case EventType::Stop:
            return "STOP";
        case EventType::Rotate:
            return "ROTATE";
        case EventType::Intvar:
            return "INTVAR";
        case EventType::Load:
            return "LOAD";
        case EventType::Slave:
            return "SLAVE";
        case EventType::CreateFile:
            return "CREATE_FILE";
        case EventType::AppendBlock:
            return "APPEND_BLOCK";
        case EventType::ExecLoad:
            return "EXEC_LOAD";
        case EventType::DeleteFile:
            return "DELETE_FILE";
        case EventType::NewLoad:
            return "NEW_LOAD";
        case EventType::Rand:
            return "RAND";
        case EventType::UserVar:
            return "USER_VAR";
        case EventType::FormatDescription:
            return "FORMAT_DESCRIPTION";
        case EventType::Xid:
            return "XID";
        case EventType::BeginLoadQuery:
            return "BEGIN_LOAD_QUERY";
        case EventType::ExecuteLoadQuery:
            return "EXECUTE_LOAD_QUERY";
        case EventType::TableMap:
            return "TABLE_MAP";
        case EventType::PreGaWriteRows:
            return "PRE_GA_WRITE_ROWS";
        case EventType::PreGaUpdateRows:
            return "PRE_GA_UPDATE_ROWS";
        case EventType::PreGaDeleteRows:
            return "PRE_GA_DELETE_ROWS";
        case EventType::WriteRowsV1:
            return "WRITE_ROWS_V1";
        case EventType::UpdateRowsV1:
            return "UPDATE_ROWS_V1";
        case EventType::DeleteRowsV1:
            return "DELETE_ROWS_V1";
        case EventType::Incident:
            return "INCIDENT";
        case EventType::Heartbeat:
            return "HEARTBEAT";
        case EventType::Ignorable:
            return "IGNORABLE";
        case EventType::RowsQuery:
            return "ROWS_QUERY";
        case EventType::WriteRowsV2:
            return "WRITE_ROWS_V2";
        case EventType::UpdateRowsV2:
            return "UPDATE_ROWS_V2";
        case EventType::DeleteRowsV2:
            return "DELETE_ROWS_V2";
        case EventType::Gtid:
            return "GTID";
        case EventType::AnonymousGtid:
            return "ANONYMOUS_GTID";
        case EventType::PreviousGtids:
            return "PREVIOUS_GTIDS";
        case EventType::TransactionContext:
            return "TRANSACTION_CONTEXT";
        case EventType::ViewChange:
            return "VIEW_CHANGE";
        case EventType::XaPrepare:
            return "XA_PREPARE";
        case EventType::PartialUpdateRows:
            return "PARTIAL_UPDATE_ROWS";
        case EventType::TransactionPayload:
            return "TRANSACTION_PAYLOAD";
        case EventType::HeartbeatV2:
            return "HEARTBEAT_V2";
        case EventType::GtidTagged:
            return "GTID_TAGGED";
        case EventType::MariadbAnnotateRows:
            return "MARIA_ANNOTATE_ROWS";
        case EventType::MariadbBinlogCheckpoint:
            return "MARIA_BINLOG_CHECKPOINT";
        case EventType::MariadbGtid:
            return "MARIA_GTID";
        case EventType::MariadbGtidList:
            return "MARIA_GTID_LIST";
        case EventType::MariadbStartEncryption:
            return "MARIA_START_ENCRYPTION";
        case EventType::MariadbQueryCompressed:
            return "MARIA_QUERY_COMPRESSED";
        case EventType::MariadbWriteRowsCompressedV1:
            return "MARIA_WRITE_ROWS_COMPRESSED_V1";
        case EventType::MariadbUpdateRowsCompressedV1:
            return "MARIA_UPDATE_ROWS_COMPRESSED_V1";
        case EventType::MariadbDeleteRowsCompressedV1:
            return "MARIA_DELETE_ROWS_COMPRESSED_V1";
        case EventType::MariadbWriteRowsCompressed:
            return "MARIA_WRITE_ROWS_COMPRESSED";
        case EventType::MariadbUpdateRowsCompressed:
            return "MARIA_UPDATE_ROWS_COMPRESSED";
        case EventType::MariadbDeleteRowsCompressed:
            return "MARIA_DELETE_ROWS_COMPRESSED";
        case EventType::Unknown:
            break;
    }
    return "type" + std::to_string(typeCode);
}

}  // namespace ferry::binlog
