// SPDX-License-Identifier: Apache-2.0
// The channel designer: its model (loading with versions, validation, dirty state, the save
// plan), every undo command, dragging a channel on the canvas, saving through the fake agent,
// and both answers to a version conflict.
#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QUndoStack>
#include <QtTest>

#include <set>

#include "gui_test_support.h"
#include "widgets/designer/channel_design_model.h"
#include "widgets/designer/channel_designer.h"
#include "widgets/designer/channel_properties_panel.h"
#include "widgets/designer/design_commands.h"
#include "widgets/designer/design_scene.h"
#include "widgets/designer/design_sync.h"
#include "widgets/main_window.h"

using ferry::gui::ChannelDesigner;
using ferry::gui::ChannelDesignModel;
using ferry::gui::ChannelField;
using ferry::gui::ChannelProperties;
using ferry::gui::DesignIssue;
using ferry::gui::SaveStep;
using ferry::gui::test::FakeWorld;

Q_DECLARE_METATYPE(ferry::gui::ChannelProperties)
Q_DECLARE_METATYPE(ferry::gui::ChannelField)

namespace {

ferry::gui::DesignSnapshot snapshotOf(FakeWorld& world) {
    return ferry::gui::DesignSync::fromTopology(world.topology());
}

// The object the fake cluster holds now (version 0 when it is gone).
ferry::v1::ConfigObject stored(FakeWorld& world, ferry::v1::ConfigKind kind,
                               const std::string& id) {
    ferry::v1::Request r;
    r.mutable_get_config()->mutable_ref()->set_kind(kind);
    r.mutable_get_config()->mutable_ref()->set_id(id);
    const auto answer = world.cluster.handle(r, ferry::v1::ROLE_ADMIN);
    return answer.has_get_config() ? answer.get_config().object() : ferry::v1::ConfigObject();
}

ferry::v1::ConfigObject storedPipeline(FakeWorld& world, std::uint64_t id) {
    return stored(world, ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(id));
}

// An admin writes behind the designer's back.
void putBehindTheBack(FakeWorld& world, const ferry::v1::ConfigObject& object) {
    ferry::v1::Request r;
    *r.mutable_put_config()->mutable_object() = object;
    const auto answer = world.cluster.handle(r, ferry::v1::ROLE_ADMIN);
    QVERIFY2(answer.has_put_config(), answer.error().message().c_str());
}

bool hasIssue(const QList<DesignIssue>& issues, DesignIssue::Severity severity, ChannelField f) {
    return std::any_of(issues.begin(), issues.end(), [&](const DesignIssue& i) {
        return i.severity == severity && i.field == f;
    });
}

QString describe(const QList<DesignIssue>& issues) {
    QStringList out;
    for (const auto& i : issues) {
        out.append(QString::number(static_cast<int>(i.field)) + QStringLiteral(": ") + i.message);
    }
    return out.join(QStringLiteral(" | "));
}

struct Connected {
    FakeWorld world{2, true};
    ferry::gui::ConnectionManager manager{nullptr};
    ChannelDesigner designer{manager};

    // Connects as admin and waits until the designer follows the cluster.
    bool start() {
        if (!manager.add(world.settingsFor(*world.hz, QStringLiteral("admin-token"))).ok()) {
            return false;
        }
        return QTest::qWaitFor([this] { return designer.model().channelCount() == 1; }, 10000);
    }
};

}  // namespace

class TestChannelDesigner : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qRegisterMetaType<ChannelProperties>(); }

    void loadsChannelsWithVersions() {
        FakeWorld world(3);
        ChannelDesignModel model;
        QSignalSpy reset(&model, &ChannelDesignModel::modelReset);
        model.load(snapshotOf(world));
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.sites(), (QStringList{QStringLiteral("hz"), QStringLiteral("us")}));
        QCOMPARE(model.dataSources().size(), std::size_t{2});
        QCOMPARE(model.siteOf(QStringLiteral("us-db")), QStringLiteral("us"));
        QCOMPARE(model.channelCount(), 2);

        const auto* orders = model.channel(model.keyOf(QStringLiteral("orders")));
        QVERIFY(orders != nullptr);
        QCOMPARE(orders->kind, ferry::v1::CHANNEL_KIND_TWO_WAY);
        QCOMPARE(orders->source, QStringLiteral("hz-db"));
        QCOMPARE(orders->target, QStringLiteral("us-db"));
        QCOMPARE(orders->parallelism, 4u);
        QCOMPARE(orders->conflictPolicy, ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY);
        QCOMPARE(orders->primarySite, QStringLiteral("hz"));
        const auto* ch2 = model.channel(model.keyOf(QStringLiteral("ch2")));
        QVERIFY(ch2 != nullptr);
        QCOMPARE(ch2->kind, ferry::v1::CHANNEL_KIND_ONE_WAY);
        QVERIFY(model.isFromCluster(model.keyOf(QStringLiteral("ch2"))));

        QVERIFY(!model.isDirty());
        QCOMPARE(model.errorCount(), 0);
        const auto plan = model.plan();
        QVERIFY(plan.ok());
        QVERIFY2(plan->empty(), "an untouched design writes nothing");
    }

    void loadedIdsKeepTheirStyle() {
        // The agent accepts ids the designer would not give a new channel; loading one is not an
        // error, or nothing could be saved.
        FakeWorld world(2);
        auto snapshot = snapshotOf(world);
        snapshot.channels[0].mutable_channel()->set_id("Orders:Legacy");
        for (auto& p : snapshot.pipelines) {
            p.mutable_pipeline()->set_channel("Orders:Legacy");
        }
        ChannelDesignModel model;
        model.load(snapshot);
        const int key = model.keyOf(QStringLiteral("Orders:Legacy"));
        QVERIFY(key != 0);
        QVERIFY2(model.issues(key).isEmpty(), qPrintable(describe(model.issues(key))));
        auto renamed = model.newChannel(QStringLiteral("hz-db"), QStringLiteral("us-db"));
        renamed.id = QStringLiteral("Orders:New");
        const int fresh = model.addChannel(renamed);
        QVERIFY(hasIssue(model.issues(fresh), DesignIssue::Severity::Error, ChannelField::Id));
    }

    void validation_data() {
        QTest::addColumn<ChannelProperties>("properties");
        QTest::addColumn<int>("errorField");    // -1: no error
        QTest::addColumn<int>("warningField");  // -1: no warning expected
        QTest::addColumn<QString>("fragment");  // in the error's message

        ChannelProperties base;
        base.id = QStringLiteral("hz-us");
        base.source = QStringLiteral("hz-db");
        base.target = QStringLiteral("us-db");
        base.kind = ferry::v1::CHANNEL_KIND_ONE_WAY;
        base.ddl = ferry::v1::DDL_MODE_REPLICATE;
        base.ddlFromSite = QStringLiteral("hz");
        const auto with = [&](auto change) {
            ChannelProperties p = base;
            change(p);
            return p;
        };
        const auto twoWay = [&](auto change) {
            return with([&](ChannelProperties& p) {
                p.kind = ferry::v1::CHANNEL_KIND_TWO_WAY;
                p.conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY;
                p.primarySite = QStringLiteral("hz");
                change(p);
            });
        };
        const auto row = [](const char* name, ChannelProperties p, int error, int warning,
                            const char* fragment) {
            QTest::newRow(name) << p << error << warning << QString::fromUtf8(fragment);
        };
        const auto f = [](ChannelField field) { return static_cast<int>(field); };

        // The fake cluster's "orders" links the same data sources in both directions.
        row("valid one-way", base, -1, f(ChannelField::Endpoints), "");
        row("valid two-way", twoWay([](auto&) {}), -1, f(ChannelField::Endpoints), "");
        row("empty id", with([](auto& p) { p.id.clear(); }), f(ChannelField::Id), -1,
            "Give the channel an id");
        row("id with spaces", with([](auto& p) { p.id = QStringLiteral("Hz to US"); }),
            f(ChannelField::Id), -1, "is not valid");
        row("id too long", with([](auto& p) { p.id = QString(65, QLatin1Char('a')); }),
            f(ChannelField::Id), -1, "at most 64");
        row("id taken", with([](auto& p) { p.id = QStringLiteral("orders"); }), f(ChannelField::Id),
            -1, "already named 'orders'");
        row("unknown source", with([](auto& p) { p.source = QStringLiteral("eu-db"); }),
            f(ChannelField::Endpoints), -1, "'eu-db' does not exist");
        row("no target", with([](auto& p) { p.target.clear(); }), f(ChannelField::Endpoints), -1,
            "no target data source");
        row("source is target", with([](auto& p) { p.target = p.source; }),
            f(ChannelField::Endpoints), -1, "two different data sources");
        row("batch too large", with([](auto& p) { p.batchMaxRows = 2'000'000; }),
            f(ChannelField::BatchMaxRows), -1, "above the limit");
        row("parallelism too high", with([](auto& p) { p.parallelism = 1000; }),
            f(ChannelField::Parallelism), -1, "above the limit");
        row("no direction", with([](auto& p) { p.kind = ferry::v1::CHANNEL_KIND_UNSPECIFIED; }),
            f(ChannelField::Kind), -1, "one-way or two-way");
        row("two-way DDL from a foreign site",
            twoWay([](auto& p) { p.ddlFromSite = QStringLiteral("eu"); }),
            f(ChannelField::DdlFromSite), -1, "hz or us");
        row("two-way DDL ignored needs no site", twoWay([](auto& p) {
                p.ddl = ferry::v1::DDL_MODE_IGNORE;
                p.ddlFromSite.clear();
            }),
            -1, -1, "");
        row("last writer wins without column", twoWay([](auto& p) {
                p.conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS;
            }),
            f(ChannelField::VersionColumn), -1, "version or microsecond timestamp column");
        row("last writer wins with column", twoWay([](auto& p) {
                p.conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS;
                p.versionColumn = QStringLiteral("updated_at");
            }),
            -1, -1, "");
        row("site priority without site",
            twoWay([](auto& p) { p.primarySite = QStringLiteral("eu"); }),
            f(ChannelField::PrimarySite), -1, "site whose version wins");
        row("two-way without policy",
            twoWay([](auto& p) { p.conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED; }),
            -1, f(ChannelField::ConflictPolicy), "");
        row("one-way with a policy",
            with([](auto& p) { p.conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_MANUAL; }), -1,
            f(ChannelField::ConflictPolicy), "");
    }

    void validation() {
        QFETCH(ChannelProperties, properties);
        QFETCH(int, errorField);
        QFETCH(int, warningField);
        QFETCH(QString, fragment);
        FakeWorld world(2);
        ChannelDesignModel model;
        model.load(snapshotOf(world));
        const int key = model.addChannel(properties);
        const auto issues = model.issues(key);
        const int errors =
            static_cast<int>(std::count_if(issues.begin(), issues.end(), [](const auto& i) {
                return i.severity == DesignIssue::Severity::Error;
            }));
        if (errorField < 0) {
            QVERIFY2(errors == 0, qPrintable(describe(issues)));
            QVERIFY(!model.hasErrors());
            QVERIFY(model.plan().ok());
        } else {
            QCOMPARE(errors, 1);
            QVERIFY2(hasIssue(issues, DesignIssue::Severity::Error,
                              static_cast<ChannelField>(errorField)),
                     qPrintable(describe(issues)));
            QVERIFY2(describe(issues).contains(fragment), qPrintable(describe(issues)));
            QVERIFY(model.hasErrors());
            QVERIFY2(!model.plan().ok(), "nothing is saved while the design has errors");
        }
        if (warningField >= 0) {
            QVERIFY2(hasIssue(issues, DesignIssue::Severity::Warning,
                              static_cast<ChannelField>(warningField)),
                     qPrintable(describe(issues)));
        }
        // The channel the design started with stays valid whatever is added.
        const int orders = model.keyOf(QStringLiteral("orders"));
        QVERIFY(!hasIssue(model.issues(orders), DesignIssue::Severity::Error, ChannelField::Id) ||
                properties.id == QStringLiteral("orders"));
    }

    void createUndoRedo() {
        FakeWorld world(2);
        ChannelDesignModel model;
        model.load(snapshotOf(world));
        QUndoStack undo;
        QSignalSpy dirty(&model, &ChannelDesignModel::dirtyChanged);
        auto p = model.newChannel(QStringLiteral("us-db"), QStringLiteral("hz-db"));
        QCOMPARE(p.id, QStringLiteral("us-hz"));
        auto* command = new ferry::gui::CreateChannelCommand(model, p);
        undo.push(command);
        const int key = command->key();
        QVERIFY(key != 0);
        QCOMPARE(model.channelCount(), 2);
        QVERIFY(model.isDirty());
        QVERIFY(!model.isFromCluster(key));
        QCOMPARE(dirty.count(), 1);
        // A second channel between the same sites gets its own id.
        QCOMPARE(model.newChannel(QStringLiteral("us-db"), QStringLiteral("hz-db")).id,
                 QStringLiteral("us-hz-2"));

        undo.undo();
        QCOMPARE(model.channelCount(), 1);
        QVERIFY(model.channel(key) == nullptr);
        QVERIFY(!model.isDirty());
        undo.redo();
        QCOMPARE(model.channelCount(), 2);
        QVERIFY(model.channel(key) != nullptr);
        QCOMPARE(*model.channel(key), p);
    }

    void deleteUndoRedo() {
        FakeWorld world(3);
        ChannelDesignModel model;
        model.load(snapshotOf(world));
        QUndoStack undo;
        const int orders = model.keyOf(QStringLiteral("orders"));
        const int row = model.rowOf(orders);
        const ChannelProperties before = *model.channel(orders);
        undo.push(new ferry::gui::DeleteChannelCommand(model, orders));
        QVERIFY(model.channel(orders) == nullptr);
        QCOMPARE(model.channelCount(), 1);
        QVERIFY(model.isDirty());
        const auto plan = model.plan();
        QVERIFY(plan.ok());
        QCOMPARE(plan->size(), std::size_t{3});  // the channel, then its two pipelines
        QCOMPARE((*plan)[0].kind, SaveStep::Kind::Delete);
        QCOMPARE((*plan)[0].ref.kind(), ferry::v1::CONFIG_KIND_CHANNEL);
        QCOMPARE((*plan)[0].version, std::uint64_t{1});
        QCOMPARE((*plan)[1].ref.id(), std::string("1"));
        QCOMPARE((*plan)[2].ref.id(), std::string("2"));

        undo.undo();
        QVERIFY(model.channel(orders) != nullptr);
        QCOMPARE(model.rowOf(orders), row);
        QVERIFY(model.isFromCluster(orders));
        QCOMPARE(*model.channel(orders), before);
        QVERIFY(!model.isDirty());
        undo.redo();
        QVERIFY(model.channel(orders) == nullptr);
    }

    void propertyUndoRedoAndMerge() {
        FakeWorld world(2);
        ChannelDesignModel model;
        model.load(snapshotOf(world));
        QUndoStack undo;
        const int orders = model.keyOf(QStringLiteral("orders"));
        using ferry::gui::ChangePropertyCommand;
        undo.push(new ChangePropertyCommand(model, orders, ChannelField::Parallelism, 8u));
        undo.push(new ChangePropertyCommand(model, orders, ChannelField::Parallelism, 16u));
        QCOMPARE(undo.count(), 1);  // steps of one field merge
        QCOMPARE(model.channel(orders)->parallelism, 16u);
        QVERIFY(model.isDirty());
        undo.push(new ChangePropertyCommand(model, orders, ChannelField::DryRun, true));
        QCOMPARE(undo.count(), 2);
        QVERIFY(model.channel(orders)->dryRun);

        undo.undo();
        QVERIFY(!model.channel(orders)->dryRun);
        undo.undo();
        QCOMPARE(model.channel(orders)->parallelism, 4u);
        QVERIFY(!model.isDirty());
        undo.redo();
        QCOMPARE(model.channel(orders)->parallelism, 16u);
        undo.redo();
        QVERIFY(model.channel(orders)->dryRun);
        undo.undo();
        undo.undo();
        QVERIFY(!model.isDirty());

        // An edit that comes back to where it began leaves nothing to undo.
        undo.clear();
        undo.push(new ChangePropertyCommand(model, orders, ChannelField::BatchMaxRows, 500u));
        undo.push(new ChangePropertyCommand(model, orders, ChannelField::BatchMaxRows, 0u));
        QCOMPARE(undo.count(), 0);
        QCOMPARE(model.channel(orders)->batchMaxRows, 0u);

        // The plan writes both pipelines (settings are the channel's) and not the channel.
        undo.push(new ChangePropertyCommand(model, orders, ChannelField::BatchMaxRows, 500u));
        const auto plan = model.plan();
        QVERIFY(plan.ok());
        QCOMPARE(plan->size(), std::size_t{2});
        for (const auto& step : *plan) {
            QCOMPARE(step.kind, SaveStep::Kind::Put);
            QCOMPARE(step.ref.kind(), ferry::v1::CONFIG_KIND_PIPELINE);
            QCOMPARE(step.version, std::uint64_t{1});
            QCOMPARE(step.object.pipeline().settings().batch_max_rows(), 500u);
            QCOMPARE(step.object.pipeline().settings().window_batches(), 16u);  // kept
            QCOMPARE(step.object.pipeline().settings().parallelism(), 4u);
        }
    }

    void directionUndoRedo() {
        FakeWorld world(2);
        ChannelDesignModel model;
        model.load(snapshotOf(world));
        QUndoStack undo;
        const int orders = model.keyOf(QStringLiteral("orders"));
        undo.push(
            new ferry::gui::SetDirectionCommand(model, orders, ferry::v1::CHANNEL_KIND_ONE_WAY));
        QCOMPARE(model.channel(orders)->kind, ferry::v1::CHANNEL_KIND_ONE_WAY);
        auto plan = model.plan();
        QVERIFY(plan.ok());
        // The channel is rewritten with one pipeline, then the reverse pipeline is deleted.
        QCOMPARE(plan->size(), std::size_t{2});
        QCOMPARE((*plan)[0].ref.kind(), ferry::v1::CONFIG_KIND_CHANNEL);
        QCOMPARE((*plan)[0].object.channel().pipelines_size(), 1);
        QCOMPARE((*plan)[0].object.channel().kind(), ferry::v1::CHANNEL_KIND_ONE_WAY);
        QCOMPARE((*plan)[1].kind, SaveStep::Kind::Delete);
        QCOMPARE((*plan)[1].ref.id(), std::string("2"));

        undo.push(new ferry::gui::SetDirectionCommand(model, orders));  // reverse
        QCOMPARE(model.channel(orders)->source, QStringLiteral("us-db"));
        QCOMPARE(model.channel(orders)->target, QStringLiteral("hz-db"));
        undo.undo();
        QCOMPARE(model.channel(orders)->source, QStringLiteral("hz-db"));
        undo.undo();
        QCOMPARE(model.channel(orders)->kind, ferry::v1::CHANNEL_KIND_TWO_WAY);
        QVERIFY(!model.isDirty());
        undo.redo();
        QCOMPARE(model.channel(orders)->kind, ferry::v1::CHANNEL_KIND_ONE_WAY);

        // A new one-way channel made two-way gets a pipeline each way, numbered after the rest.
        auto p = model.newChannel(QStringLiteral("us-db"), QStringLiteral("hz-db"));
        p.ddlFromSite.clear();
        const int key = model.addChannel(p);
        undo.push(new ferry::gui::SetDirectionCommand(model, key, ferry::v1::CHANNEL_KIND_TWO_WAY));
        QCOMPARE(model.channel(key)->ddlFromSite, QStringLiteral("us"));
        model.setChannel(key, [&] {
            auto q = *model.channel(key);
            q.conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY;
            q.primarySite = QStringLiteral("us");
            return q;
        }());
        plan = model.plan();
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        std::vector<std::string> created;
        for (const auto& step : *plan) {
            if (step.kind == SaveStep::Kind::Put && step.version == 0) {
                created.push_back(step.ref.id());
            }
        }
        QCOMPARE(created, (std::vector<std::string>{"3", "4", "us-hz"}));
        const auto& reverse = (*plan)[1].object.pipeline();
        QCOMPARE(reverse.name(), std::string("us-hz:hz->us"));
        // DDL replicates from us only; the other direction stops on DDL instead of losing it.
        QCOMPARE((*plan)[0].object.pipeline().settings().ddl(), ferry::v1::DDL_MODE_REPLICATE);
        QCOMPARE(reverse.settings().ddl(), ferry::v1::DDL_MODE_STOP);
    }

    void panelShowsInlineValidation() {
        FakeWorld world(2);
        ferry::gui::ConnectionManager manager(nullptr);
        ChannelDesigner designer(manager);
        designer.resize(1100, 700);
        designer.model().load(snapshotOf(world));
        designer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&designer));
        auto& model = designer.model();
        auto* command = new ferry::gui::CreateChannelCommand(
            model, model.newChannel(QStringLiteral("hz-db"), QStringLiteral("us-db")));
        designer.undoStack().push(command);
        designer.scene().selectChannel(command->key());
        QCOMPARE(designer.panel().channel(), command->key());

        auto* id = designer.panel().findChild<QLineEdit*>(QStringLiteral("channelId"));
        QVERIFY(id != nullptr && !id->isReadOnly());
        id->selectAll();
        QTest::keyClicks(id, QStringLiteral("Bad Id"));
        QCOMPARE(model.channel(command->key())->id, QStringLiteral("Bad Id"));
        QVERIFY(designer.panel().issueText(ChannelField::Id).contains(QStringLiteral("not valid")));
        QVERIFY(designer.scene().isDrawnInvalid(command->key()));
        QVERIFY(designer.summaryText().contains(QStringLiteral("1 error")));
        designer.save();
        QVERIFY(designer.messageText().startsWith(QStringLiteral("Nothing was saved")));
        QVERIFY(!designer.isBusy());

        // Typing merges into one command; undo takes the id back and the message goes.
        QCOMPARE(designer.undoStack().count(), 2);
        designer.undoStack().undo();
        QCOMPARE(model.channel(command->key())->id, QStringLiteral("hz-us"));
        QVERIFY(designer.panel().issueText(ChannelField::Id).isEmpty());
        QVERIFY(!designer.scene().isDrawnInvalid(command->key()));

        // A saved channel keeps its id.
        designer.scene().selectChannel(model.keyOf(QStringLiteral("orders")));
        QVERIFY(id->isReadOnly());
    }

    void dragCreatesChannel() {
        FakeWorld world(2);
        ferry::gui::ConnectionManager manager(nullptr);
        ChannelDesigner designer(manager);
        designer.resize(1100, 700);
        designer.model().load(snapshotOf(world));
        designer.show();
        QVERIFY(QTest::qWaitForWindowExposed(&designer));
        auto& scene = designer.scene();
        auto& view = designer.view();
        QCOMPARE(scene.siteTitles(),
                 (QStringList{QStringLiteral("site hz"), QStringLiteral("site us")}));
        QCOMPARE(scene.channelCount(), 1);
        const int orders = designer.model().keyOf(QStringLiteral("orders"));
        QVERIFY(scene.isDrawnTwoWay(orders));

        const QPoint us = view.mapFromScene(scene.dataSourceCenter(QStringLiteral("us-db")));
        const QPoint hz = view.mapFromScene(scene.dataSourceCenter(QStringLiteral("hz-db")));
        QVERIFY(view.viewport()->rect().contains(us) && view.viewport()->rect().contains(hz));

        // A drag that ends on empty canvas creates nothing.
        QTest::mousePress(view.viewport(), Qt::LeftButton, {}, us);
        QVERIFY(scene.isDragging());
        QTest::mouseMove(view.viewport(), (us + hz) / 2);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, (us + hz) / 2 + QPoint(0, 200));
        QVERIFY(!scene.isDragging());
        QCOMPARE(designer.model().channelCount(), 1);

        // From us-db to hz-db: a new one-way channel, selected and shown in the panel.
        QTest::mousePress(view.viewport(), Qt::LeftButton, {}, us);
        QTest::mouseMove(view.viewport(), (us + hz) / 2);
        QTest::mouseMove(view.viewport(), hz);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, hz);
        QCOMPARE(designer.model().channelCount(), 2);
        const int key = designer.model().keyOf(QStringLiteral("us-hz"));
        QVERIFY(key != 0);
        const auto* p = designer.model().channel(key);
        QCOMPARE(p->source, QStringLiteral("us-db"));
        QCOMPARE(p->target, QStringLiteral("hz-db"));
        QCOMPARE(p->kind, ferry::v1::CHANNEL_KIND_ONE_WAY);
        QCOMPARE(scene.channelCount(), 2);
        QVERIFY(!scene.isDrawnTwoWay(key));
        QVERIFY(scene.channelLabel(key).startsWith(QStringLiteral("us-hz")));
        QCOMPARE(scene.selectedChannel(), key);
        QCOMPARE(designer.panel().channel(), key);
        QCOMPARE(designer.undoStack().count(), 1);
        QVERIFY(designer.model().isDirty());
        QVERIFY(designer.summaryText().contains(QStringLiteral("unsaved changes")));

        // Clicking the other channel selects it; Delete removes the selected one; undo brings
        // it back.
        const QPoint arrow = view.mapFromScene(scene.channelCenter(orders));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, arrow);
        QCOMPARE(scene.selectedChannel(), orders);
        QCOMPARE(designer.panel().channel(), orders);
        scene.selectChannel(key);
        QVERIFY(designer.deleteAction()->isEnabled());
        designer.deleteAction()->trigger();
        QCOMPARE(designer.model().channelCount(), 1);
        QCOMPARE(scene.channelCount(), 1);
        designer.undoStack().undo();
        QCOMPARE(scene.channelCount(), 2);
        QVERIFY(designer.model().channel(key) != nullptr);
        designer.undoStack().undo();
        QCOMPARE(scene.channelCount(), 1);
        QVERIFY(!designer.model().isDirty());
    }

    void saveCreatesChannelObjects() {
        Connected c;
        QVERIFY(c.start());
        auto& designer = c.designer;
        auto& model = designer.model();
        auto& undo = designer.undoStack();

        auto* create = new ferry::gui::CreateChannelCommand(
            model, model.newChannel(QStringLiteral("us-db"), QStringLiteral("hz-db")));
        undo.push(create);
        const int key = create->key();
        undo.push(new ferry::gui::SetDirectionCommand(model, key, ferry::v1::CHANNEL_KIND_TWO_WAY));
        undo.push(new ferry::gui::ChangePropertyCommand(
            model, key, ChannelField::ConflictPolicy,
            static_cast<int>(ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS)));
        undo.push(new ferry::gui::ChangePropertyCommand(model, key, ChannelField::VersionColumn,
                                                        QStringLiteral("updated_at")));
        undo.push(new ferry::gui::ChangePropertyCommand(model, key, ChannelField::Parallelism, 8u));
        undo.push(new ferry::gui::ChangePropertyCommand(model, key, ChannelField::DryRun, true));
        QCOMPARE(model.errorCount(), 0);
        QVERIFY(designer.saveAction()->isEnabled());

        QSignalSpy saved(&designer, &ChannelDesigner::saved);
        designer.saveAction()->trigger();
        QVERIFY(designer.isBusy());
        QVERIFY(saved.wait(10000));
        QVERIFY2(designer.messageText().contains(QStringLiteral("Saved 3 changes")),
                 qPrintable(designer.messageText()));
        QVERIFY(!model.isDirty());
        QCOMPARE(undo.count(), 0);
        QVERIFY(model.isFromCluster(model.keyOf(QStringLiteral("us-hz"))));

        auto& world = c.world;
        const auto channel = stored(world, ferry::v1::CONFIG_KIND_CHANNEL, "us-hz");
        QCOMPARE(channel.version(), std::uint64_t{1});
        QCOMPARE(channel.channel().kind(), ferry::v1::CHANNEL_KIND_TWO_WAY);
        QCOMPARE(channel.channel().conflict_policy().kind(),
                 ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS);
        QCOMPARE(channel.channel().conflict_policy().version_column(), std::string("updated_at"));
        QCOMPARE(channel.channel().ddl_from_site(), std::string("us"));
        QCOMPARE(std::vector<std::uint64_t>(channel.channel().pipelines().begin(),
                                            channel.channel().pipelines().end()),
                 (std::vector<std::uint64_t>{3, 4}));
        for (const auto& [id, name, source] :
             {std::tuple{3, "us-hz:us->hz", "us-db"}, std::tuple{4, "us-hz:hz->us", "hz-db"}}) {
            const auto p = storedPipeline(world, static_cast<std::uint64_t>(id));
            QCOMPARE(p.version(), std::uint64_t{1});
            QCOMPARE(p.pipeline().name(), std::string(name));
            QCOMPARE(p.pipeline().source(), std::string(source));
            QCOMPARE(p.pipeline().channel(), std::string("us-hz"));
            QCOMPARE(p.pipeline().settings().parallelism(), 8u);
            QVERIFY(p.pipeline().settings().dry_run());
            QCOMPARE(p.pipeline().desired_state(), ferry::v1::PIPELINE_STATE_STOPPED);
        }

        // Editing a saved channel writes the version it read and nothing else.
        const int saved1 = model.keyOf(QStringLiteral("us-hz"));
        undo.push(new ferry::gui::ChangePropertyCommand(model, saved1, ChannelField::BatchMaxRows,
                                                        2000u));
        designer.save();
        QVERIFY(saved.wait(10000));
        QCOMPARE(storedPipeline(world, 3).version(), std::uint64_t{2});
        QCOMPARE(storedPipeline(world, 3).pipeline().settings().batch_max_rows(), 2000u);
        QCOMPARE(storedPipeline(world, 4).version(), std::uint64_t{2});
        QCOMPARE(stored(world, ferry::v1::CONFIG_KIND_CHANNEL, "us-hz").version(),
                 std::uint64_t{1});

        // Deleting a channel deletes it and its pipelines.
        undo.push(
            new ferry::gui::DeleteChannelCommand(model, model.keyOf(QStringLiteral("orders"))));
        designer.save();
        QVERIFY(saved.wait(10000));
        QCOMPARE(stored(world, ferry::v1::CONFIG_KIND_CHANNEL, "orders").version(),
                 std::uint64_t{0});
        QCOMPARE(storedPipeline(world, 1).version(), std::uint64_t{0});
        QCOMPARE(storedPipeline(world, 2).version(), std::uint64_t{0});
        QCOMPARE(model.channelCount(), 1);
        QVERIFY(!designer.isConflictShown());
    }

    void versionConflict_data() {
        QTest::addColumn<bool>("keepMine");
        QTest::newRow("reload theirs") << false;
        QTest::newRow("keep mine") << true;
    }

    void versionConflict() {
        QFETCH(bool, keepMine);
        Connected c;
        QVERIFY(c.start());
        auto& designer = c.designer;
        auto& model = designer.model();
        auto& world = c.world;
        const int orders = model.keyOf(QStringLiteral("orders"));

        // Mine: more parallelism for the channel (both pipelines).
        designer.undoStack().push(
            new ferry::gui::ChangePropertyCommand(model, orders, ChannelField::Parallelism, 12u));
        // Theirs, meanwhile: a bigger window on pipeline 1.
        auto theirs = storedPipeline(world, 1);
        theirs.mutable_pipeline()->mutable_settings()->set_window_batches(32);
        putBehindTheBack(world, theirs);
        QCOMPARE(storedPipeline(world, 1).version(), std::uint64_t{2});

        designer.save();
        QTRY_VERIFY_WITH_TIMEOUT(designer.isConflictShown(), 10000);
        auto* bar = designer.findChild<QWidget*>(QStringLiteral("designChoiceBar"));
        QVERIFY(bar != nullptr && bar->isVisibleTo(&designer));
        auto* text = designer.findChild<QLabel*>(QStringLiteral("designChoiceText"));
        QVERIFY2(text->text().contains(QStringLiteral("pipeline '1' was changed elsewhere: you "
                                                      "read version 1, it is now at version 2")),
                 qPrintable(text->text()));
        // Nothing was written: the versions were checked first.
        QCOMPARE(storedPipeline(world, 2).version(), std::uint64_t{1});
        QCOMPARE(storedPipeline(world, 1).pipeline().settings().parallelism(), 4u);
        QVERIFY(model.isDirty());

        QSignalSpy loaded(&designer, &ChannelDesigner::loaded);
        QSignalSpy saved(&designer, &ChannelDesigner::saved);
        if (keepMine) {
            auto* button = designer.findChild<QPushButton*>(QStringLiteral("keepMine"));
            QVERIFY(button != nullptr && button->isVisibleTo(&designer));
            button->click();
            QVERIFY(saved.wait(10000));
            QVERIFY(!designer.isConflictShown());
            const auto p1 = storedPipeline(world, 1);
            QCOMPARE(p1.version(), std::uint64_t{3});
            QCOMPARE(p1.pipeline().settings().window_batches(), 32u);  // theirs kept
            QCOMPARE(p1.pipeline().settings().parallelism(), 12u);     // mine applied
            const auto p2 = storedPipeline(world, 2);
            QCOMPARE(p2.version(), std::uint64_t{2});
            QCOMPARE(p2.pipeline().settings().parallelism(), 12u);
            QCOMPARE(model.channel(model.keyOf(QStringLiteral("orders")))->parallelism, 12u);
        } else {
            auto* button = designer.findChild<QPushButton*>(QStringLiteral("reloadTheirs"));
            QVERIFY(button != nullptr && button->isVisibleTo(&designer));
            button->click();
            QVERIFY(loaded.wait(10000));
            QCOMPARE(saved.count(), 0);
            QVERIFY(!designer.isConflictShown());
            QCOMPARE(model.channel(model.keyOf(QStringLiteral("orders")))->parallelism, 4u);
            QCOMPARE(designer.undoStack().count(), 0);
            const auto p1 = storedPipeline(world, 1);
            QCOMPARE(p1.version(), std::uint64_t{2});  // theirs, untouched
            QCOMPARE(p1.pipeline().settings().window_batches(), 32u);
            QCOMPARE(p1.pipeline().settings().parallelism(), 4u);
            QCOMPARE(storedPipeline(world, 2).version(), std::uint64_t{1});
        }
        QVERIFY(!model.isDirty());
        QVERIFY(!designer.isBusy());
    }

    void reloadAsksBeforeDroppingEdits() {
        Connected c;
        QVERIFY(c.start());
        auto& designer = c.designer;
        auto& model = designer.model();
        const int orders = model.keyOf(QStringLiteral("orders"));
        designer.undoStack().push(
            new ferry::gui::ChangePropertyCommand(model, orders, ChannelField::DryRun, true));
        designer.reloadAction()->trigger();
        auto* bar = designer.findChild<QWidget*>(QStringLiteral("designChoiceBar"));
        QVERIFY(bar->isVisibleTo(&designer));
        QVERIFY(!designer.isConflictShown());
        QVERIFY(model.isDirty());  // nothing dropped yet
        // Cancel keeps the edits.
        designer.findChild<QPushButton*>(QStringLiteral("dismissChoice"))->click();
        QVERIFY(!bar->isVisibleTo(&designer));
        QVERIFY(model.channel(orders)->dryRun);
        // Asked again and confirmed: the edits go, the cluster's state comes back.
        designer.reloadAction()->trigger();
        QSignalSpy loaded(&designer, &ChannelDesigner::loaded);
        designer.findChild<QPushButton*>(QStringLiteral("reloadTheirs"))->click();
        QVERIFY(loaded.wait(10000));
        QVERIFY(!model.isDirty());
        QVERIFY(!model.channel(model.keyOf(QStringLiteral("orders")))->dryRun);
        QCOMPARE(designer.undoStack().count(), 0);
    }

    void keepMineRecreatesAndDrops() {
        // Rebase on the model alone: a channel created here comes again, one deleted here stays
        // deleted, and one deleted elsewhere while edited here is created anew.
        FakeWorld world(4);
        ChannelDesignModel model;
        model.load(snapshotOf(world));
        const int ch2 = model.keyOf(QStringLiteral("ch2"));
        auto edited = *model.channel(ch2);
        edited.batchMaxRows = 700;
        model.setChannel(ch2, edited);
        (void)model.removeChannel(model.keyOf(QStringLiteral("orders")));
        const int fresh =
            model.addChannel(model.newChannel(QStringLiteral("us-db"), QStringLiteral("hz-db")));

        // Elsewhere: ch2 and its pipelines are deleted.
        for (const auto& [kind, id] : {std::pair{ferry::v1::CONFIG_KIND_CHANNEL, "ch2"},
                                       std::pair{ferry::v1::CONFIG_KIND_PIPELINE, "3"},
                                       std::pair{ferry::v1::CONFIG_KIND_PIPELINE, "4"}}) {
            ferry::v1::Request r;
            r.mutable_delete_config()->mutable_ref()->set_kind(kind);
            r.mutable_delete_config()->mutable_ref()->set_id(id);
            r.mutable_delete_config()->set_version(1);
            QVERIFY(world.cluster.handle(r, ferry::v1::ROLE_ADMIN).has_delete_config());
        }
        model.rebase(snapshotOf(world));
        QVERIFY(model.isDirty());
        QCOMPARE(model.keyOf(QStringLiteral("orders")), 0);
        QVERIFY(model.channel(fresh) != nullptr);
        QCOMPARE(model.channel(ch2)->batchMaxRows, 700u);
        QVERIFY(!model.isFromCluster(ch2));
        const auto plan = model.plan();
        QVERIFY(plan.ok());
        std::set<std::string> deleted;
        std::set<std::string> created;
        for (const auto& s : *plan) {
            (s.kind == SaveStep::Kind::Delete ? deleted : created).insert(s.ref.id());
            if (s.kind == SaveStep::Kind::Put) {
                QCOMPARE(s.version, std::uint64_t{0});
            }
        }
        QCOMPARE(deleted, (std::set<std::string>{"orders", "1", "2"}));
        QCOMPARE(created, (std::set<std::string>{"ch2", "us-hz", "3", "4", "5"}));
    }

    void mainWindowHasDesignTab() {
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* tabs = window.findChild<QTabWidget*>();
        QVERIFY(tabs != nullptr);
        QVERIFY(!window.channelDesigner().isVisible());
        QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
        QTRY_VERIFY(window.channelDesigner().isVisible());
        QCOMPARE(tabs->currentWidget(), &window.channelDesigner());
        QVERIFY(window.findChild<QAction*>(QStringLiteral("showDesignerAction")) != nullptr);
    }
};

QTEST_MAIN(TestChannelDesigner)
#include "tst_channel_designer.moc"
