// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"

namespace ferry::gui {

// The configuration the designer starts from: what the cluster holds, each object with the
// version it was read at.
struct DesignSnapshot {
    QStringList sites;
    std::vector<ferry::v1::ConfigObject> dataSources;
    std::vector<ferry::v1::ConfigObject> channels;
    std::vector<ferry::v1::ConfigObject> pipelines;
};

// One data source as the designer draws it.
struct DesignDataSource {
    QString id;
    QString site;
    QString url;
};

// What the designer edits of a channel. Pipeline settings (batch size, parallelism, DDL, dry run)
// are the channel's: both pipelines of a two-way channel get them. For two-way channels, source
// and target name the first pipeline's direction.
struct ChannelProperties {
    QString id;
    QString source;  // data source ids
    QString target;
    ferry::v1::ChannelKind kind = ferry::v1::CHANNEL_KIND_ONE_WAY;
    quint32 batchMaxRows = 0;  // 0: the agent's default
    quint32 parallelism = 0;   // 0: the agent's default
    ferry::v1::DdlMode ddl = ferry::v1::DDL_MODE_UNSPECIFIED;
    QString ddlFromSite;  // two-way: the one direction that replicates DDL
    bool dryRun = false;
    ferry::v1::ConflictPolicyKind conflictPolicy = ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED;
    QString versionColumn;  // last writer wins
    QString primarySite;    // site priority

    bool operator==(const ChannelProperties&) const = default;
};

// One field of ChannelProperties, for property commands and for placing validation messages.
enum class ChannelField {
    Id,
    Endpoints,  // source and target
    Kind,
    BatchMaxRows,
    Parallelism,
    Ddl,
    DdlFromSite,
    DryRun,
    ConflictPolicy,
    VersionColumn,
    PrimarySite,
};

// A validation message about one channel: errors block saving, warnings do not.
struct DesignIssue {
    enum class Severity { Warning, Error };
    Severity severity = Severity::Error;
    ChannelField field = ChannelField::Id;
    QString message;
};

// One write of a save: a put (version 0 creates) or a delete of the version read.
struct SaveStep {
    enum class Kind { Put, Delete };
    Kind kind = Kind::Put;
    ferry::v1::ConfigObject object;  // Put
    ferry::v1::ConfigRef ref;        // both: the object written
    std::uint64_t version = 0;       // the version read; 0 for a create
    QString description;             // "create pipeline 3 (hz-us:hz->us)"
};

// The channels being designed, over the data sources and sites of a cluster: plain Qt, no
// scene, no network. It remembers the snapshot it was loaded from (every object's version), so
// it knows whether it is dirty, validates each channel, and turns the difference between the
// snapshot and the design into the writes that save it (plan()). rebase() moves local edits onto
// a newer snapshot (after a version conflict: "keep mine").
//
// Channels are addressed by a key that stays the same while the designer lives (renames, undo
// of a delete), not by their id. A channel loaded from the cluster keeps its id; a new one may be
// renamed until it is saved.
//
// Not thread safe; lives in the GUI thread.
class ChannelDesignModel : public QObject {
    Q_OBJECT

public:
    // A channel of the design with how it came to be.
    struct Entry {
        int key = 0;
        ChannelProperties properties;
        bool fromCluster = false;  // loaded from the snapshot (its id is fixed)
    };

    explicit ChannelDesignModel(QObject* parent = nullptr);

    // Replaces everything with the snapshot; the design is then clean.
    void load(const DesignSnapshot& snapshot);
    // Loads `snapshot` and re-applies this design's local edits on top of it: channels created
    // here are created again, deleted ones deleted (when still there), and of changed ones only
    // the fields changed here are set. Channel keys are kept.
    void rebase(const DesignSnapshot& snapshot);

    const QStringList& sites() const { return m_sites; }
    const std::vector<DesignDataSource>& dataSources() const { return m_dataSources; }
    const DesignDataSource* dataSource(const QString& id) const;
    QString siteOf(const QString& dataSourceId) const;

    // Channels in display order.
    QList<int> keys() const;
    int channelCount() const { return static_cast<int>(m_entries.size()); }
    const ChannelProperties* channel(int key) const;
    const Entry* entry(int key) const;
    // The key of the channel with `id`, or 0.
    int keyOf(const QString& id) const;
    bool isFromCluster(int key) const;

    // Defaults for a channel drawn from `source` to `target`, with a free id.
    ChannelProperties newChannel(const QString& source, const QString& target) const;
    // Adds a channel; `key` 0 allocates one. Returns the key. REQUIRES: key is not in use.
    int addChannel(const ChannelProperties& properties, int key = 0);
    // Removes a channel and returns it (for undo); nullopt when the key is unknown.
    std::optional<Entry> removeChannel(int key);
    // Puts back a removed channel at `row` (clamped).
    void restoreChannel(const Entry& entry, int row);
    int rowOf(int key) const;
    void setChannel(int key, const ChannelProperties& properties);

    static QVariant field(const ChannelProperties& p, ChannelField f);
    // REQUIRES: value holds what field() returns for f (Endpoints: a two-string QStringList).
    static void setField(ChannelProperties& p, ChannelField f, const QVariant& value);

    // Validation of one channel (empty when valid) and of the whole design.
    QList<DesignIssue> issues(int key) const;
    int errorCount() const;
    int warningCount() const;
    bool hasErrors() const { return errorCount() > 0; }

    // Whether the design differs from the snapshot it was loaded from.
    bool isDirty() const { return m_dirty; }
    // The writes that make the cluster hold this design, in order: creates and updates of
    // pipelines, then channels, then deletes. New pipelines get ids above every pipeline of the
    // snapshot. Fails when the design has errors.
    Result<std::vector<SaveStep>> plan() const;

    // The properties a channel of the snapshot had (nullptr when it was not in it).
    const ChannelProperties* loadedChannel(const QString& id) const;

signals:
    void modelReset();
    void channelAdded(int key);
    void channelRemoved(int key);
    void channelChanged(int key);
    // After any change: issues or the dirty state may have changed.
    void designChanged();
    void dirtyChanged(bool dirty);

private:
    struct Loaded {
        ferry::v1::ConfigObject channel;
        std::vector<ferry::v1::ConfigObject> pipelines;  // those whose channel field names it
        ChannelProperties properties;
    };

    // Replaces the snapshot and the entries (keys kept by id); no signals, no validation.
    void resetTo(const DesignSnapshot& snapshot);
    Entry* find(int key);
    void changed();
    void validateAll();
    QList<DesignIssue> validate(const Entry& e) const;
    void planChannel(const ChannelProperties* wanted, const Loaded* loaded,
                     std::uint64_t& nextPipelineId, std::vector<SaveStep>& puts,
                     std::vector<SaveStep>& channelPuts, std::vector<SaveStep>& deletes) const;
    ferry::v1::PipelineSettings settingsFor(const ChannelProperties& p,
                                            const QString& sourceSite) const;

    QStringList m_sites;
    std::vector<DesignDataSource> m_dataSources;
    std::map<QString, Loaded> m_loaded;  // by channel id
    std::uint64_t m_maxPipelineId = 0;
    std::vector<Entry> m_entries;
    std::map<int, QList<DesignIssue>> m_issues;
    int m_nextKey = 1;
    bool m_dirty = false;
};

}  // namespace ferry::gui
