// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/coord/fault_injecting_keeper.h"
#include "ferry/coord/in_memory_keeper.h"
#include "ferry/coord/versioned_config_store.h"

namespace ferry::coord {
namespace {

class VersionedConfigStoreTest : public ::testing::Test {
protected:
    std::shared_ptr<InMemoryEnsemble> m_ensemble = InMemoryEnsemble::create();
    std::unique_ptr<InMemoryKeeper> m_consoleA = m_ensemble->connect();
    std::unique_ptr<InMemoryKeeper> m_consoleB = m_ensemble->connect();
    VersionedConfigStore m_storeA{*m_consoleA};
    VersionedConfigStore m_storeB{*m_consoleB};
};

TEST_F(VersionedConfigStoreTest, CreateReadWriteCarryVersions) {
    auto created = m_storeA.create(ConfigKind::DataSource, "hz-db", "v0");
    ASSERT_TRUE(created.ok()) << created.error().toString();
    EXPECT_EQ(*created, 0);
    EXPECT_TRUE(m_consoleA->exists("/config/datasource/hz-db")->has_value());

    auto read = m_storeB.read(ConfigKind::DataSource, "hz-db");
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->data, "v0");
    EXPECT_EQ(read->version, 0);

    auto written = m_storeB.write(ConfigKind::DataSource, "hz-db", "v1", read->version);
    ASSERT_TRUE(written.ok()) << written.error().toString();
    EXPECT_EQ(*written, 1);
    EXPECT_EQ(m_storeA.read(ConfigKind::DataSource, "hz-db")->data, "v1");

    auto listed = m_storeA.list(ConfigKind::DataSource);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(*listed, std::vector<std::string>{"hz-db"});
    EXPECT_TRUE(m_storeA.list(ConfigKind::Channel)->empty());
}

TEST_F(VersionedConfigStoreTest, TwoConsolesEditingOneObjectGetAClearConflict) {
    ASSERT_TRUE(m_storeA.create(ConfigKind::DataSource, "hz-db", "v0").ok());
    // Three edits by console A take the object to version 3; console B read version 3...
    for (int32_t version = 0; version < 3; ++version) {
        ASSERT_TRUE(m_storeA.write(ConfigKind::DataSource, "hz-db", "a", version).ok());
    }
    auto seenByB = m_storeB.read(ConfigKind::DataSource, "hz-db");
    ASSERT_EQ(seenByB->version, 3);
    // ...then A saves once more before B does.
    ASSERT_TRUE(m_storeA.write(ConfigKind::DataSource, "hz-db", "a4", 3).ok());
    auto conflict = m_storeB.write(ConfigKind::DataSource, "hz-db", "b", seenByB->version);
    ASSERT_FALSE(conflict.ok());
    EXPECT_EQ(conflict.error().code, ErrorCode::Conflict);
    EXPECT_EQ(conflict.error().message,
              "data source hz-db was changed by someone else (version 4, you edited version 3): "
              "reload and reapply your change");
    EXPECT_EQ(m_storeA.read(ConfigKind::DataSource, "hz-db")->data, "a4");
}

TEST_F(VersionedConfigStoreTest, EditingDifferentObjectsNeverConflicts) {
    ASSERT_TRUE(m_storeA.create(ConfigKind::DataSource, "hz-db", "").ok());
    ASSERT_TRUE(m_storeA.create(ConfigKind::DataSource, "us-db", "").ok());
    ASSERT_TRUE(m_storeA.create(ConfigKind::Channel, "hz-db", "").ok());
    EXPECT_TRUE(m_storeA.write(ConfigKind::DataSource, "hz-db", "a", 0).ok());
    EXPECT_TRUE(m_storeB.write(ConfigKind::DataSource, "us-db", "b", 0).ok());
    EXPECT_TRUE(m_storeB.write(ConfigKind::Channel, "hz-db", "b", 0).ok());
}

TEST_F(VersionedConfigStoreTest, CreateOfAnExistingObjectAndWriteOfADeletedOneAreConflicts) {
    ASSERT_TRUE(m_storeA.create(ConfigKind::Pipeline, "7", "").ok());
    auto again = m_storeB.create(ConfigKind::Pipeline, "7", "");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Conflict);
    EXPECT_NE(again.error().message.find("pipeline 7 already exists"), std::string::npos)
        << again.error().message;

    ASSERT_TRUE(m_storeA.remove(ConfigKind::Pipeline, "7", 0).ok());
    auto deleted = m_storeB.write(ConfigKind::Pipeline, "7", "x", 0);
    ASSERT_FALSE(deleted.ok());
    EXPECT_EQ(deleted.error().code, ErrorCode::Conflict);
    EXPECT_NE(deleted.error().message.find("deleted by someone else"), std::string::npos);
    auto missing = m_storeB.read(ConfigKind::Pipeline, "7");
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
    EXPECT_EQ(missing.error().message, "pipeline 7 does not exist");
}

TEST_F(VersionedConfigStoreTest, InvalidIdsAreRefused) {
    for (const char* id : {"", ".", "..", "a/b", "a b", "hz\x01"}) {
        auto created = m_storeA.create(ConfigKind::Mapping, id, "");
        ASSERT_FALSE(created.ok()) << "accepted \"" << id << "\"";
        EXPECT_EQ(created.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(created.error().message.find("invalid table mapping id"), std::string::npos);
    }
    EXPECT_FALSE(m_storeA.create(ConfigKind::Mapping, "shop.orders:hz->us", "").ok());
    EXPECT_TRUE(m_storeA.create(ConfigKind::Mapping, "shop.orders@hz-us_1", "").ok());
}

TEST_F(VersionedConfigStoreTest, WriteWhoseReplyWasLostIsReportedAsDone) {
    FaultInjectingKeeper faulty(*m_consoleA);
    VersionedConfigStore store(faulty);
    ASSERT_TRUE(store.create(ConfigKind::DataSource, "hz-db", "v0").ok());
    faulty.schedule({Fault::LossAfter});
    auto written = store.write(ConfigKind::DataSource, "hz-db", "v1", 0);
    ASSERT_TRUE(written.ok()) << written.error().toString();
    EXPECT_EQ(*written, 1);
    EXPECT_EQ(faulty.injectedCount(), 1u);
    EXPECT_EQ(m_storeB.read(ConfigKind::DataSource, "hz-db")->version, 1) << "written twice";
}

TEST_F(VersionedConfigStoreTest, WriteLostBeforeApplyingIsRetried) {
    FaultInjectingKeeper faulty(*m_consoleA);
    VersionedConfigStore store(faulty);
    ASSERT_TRUE(store.create(ConfigKind::DataSource, "hz-db", "v0").ok());
    faulty.schedule({Fault::LossBefore});
    auto written = store.write(ConfigKind::DataSource, "hz-db", "v1", 0);
    ASSERT_TRUE(written.ok()) << written.error().toString();
    EXPECT_EQ(m_storeB.read(ConfigKind::DataSource, "hz-db")->data, "v1");
}

TEST_F(VersionedConfigStoreTest, CreateWhoseReplyWasLostIsReportedAsDone) {
    FaultInjectingKeeper faulty(*m_consoleA);
    VersionedConfigStore store(faulty);
    ASSERT_TRUE(m_consoleA->ensurePath("/config/channel").ok());
    // ensurePath: exists /config, exists /config/channel; then the create.
    faulty.schedule({Fault::None, Fault::None, Fault::LossAfter});
    auto created = store.create(ConfigKind::Channel, "orders", "c");
    ASSERT_TRUE(created.ok()) << created.error().toString();
    EXPECT_EQ(faulty.injectedCount(), 1u);
}

TEST_F(VersionedConfigStoreTest, ConnectionDownReportsUnavailable) {
    ASSERT_TRUE(m_storeA.create(ConfigKind::DataSource, "hz-db", "v0").ok());
    m_ensemble->disconnect(m_consoleB->sessionId());
    auto written = m_storeB.write(ConfigKind::DataSource, "hz-db", "x", 0);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code, ErrorCode::Unavailable);
    EXPECT_NE(written.error().message.find("data source hz-db"), std::string::npos);
}

}  // namespace
}  // namespace ferry::coord
