// SPDX-License-Identifier: Apache-2.0
#include "widgets/designer/channel_design_model.h"

#include <QRegularExpression>

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <set>

namespace ferry::gui {

namespace {

constexpr quint32 kMaxBatchRows = 1'000'000;
constexpr quint32 kMaxParallelism = 256;
constexpr int kMaxIdLength = 64;

constexpr ChannelField kAllFields[] = {
    ChannelField::Id,
    ChannelField::Endpoints,
    ChannelField::Kind,
    ChannelField::BatchMaxRows,
    ChannelField::Parallelism,
    ChannelField::Ddl,
    ChannelField::DdlFromSite,
    ChannelField::DryRun,
    ChannelField::ConflictPolicy,
    ChannelField::VersionColumn,
    ChannelField::PrimarySite,
};

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

std::string ss(const QString& s) {
    return s.toStdString();
}

bool sameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// The pipelines of a channel, those its pipelines field lists first (in that order).
std::vector<ferry::v1::ConfigObject> orderedPipelines(
    const ferry::v1::Channel& channel, std::vector<ferry::v1::ConfigObject> pipelines) {
    std::vector<ferry::v1::ConfigObject> out;
    for (const auto id : channel.pipelines()) {
        auto it = std::find_if(pipelines.begin(), pipelines.end(),
                               [id](const auto& o) { return o.pipeline().id() == id; });
        if (it != pipelines.end()) {
            out.push_back(std::move(*it));
            pipelines.erase(it);
        }
    }
    std::sort(pipelines.begin(), pipelines.end(),
              [](const auto& a, const auto& b) { return a.pipeline().id() < b.pipeline().id(); });
    for (auto& p : pipelines) {
        out.push_back(std::move(p));
    }
    return out;
}

ferry::v1::ConfigRef refOf(ferry::v1::ConfigKind kind, const std::string& id) {
    ferry::v1::ConfigRef ref;
    ref.set_kind(kind);
    ref.set_id(id);
    return ref;
}

}  // namespace

ChannelDesignModel::ChannelDesignModel(QObject* parent) : QObject(parent) {}

const DesignDataSource* ChannelDesignModel::dataSource(const QString& id) const {
    for (const auto& d : m_dataSources) {
        if (d.id == id) {
            return &d;
        }
    }
    return nullptr;
}

QString ChannelDesignModel::siteOf(const QString& dataSourceId) const {
    const auto* d = dataSource(dataSourceId);
    return d != nullptr ? d->site : QString();
}

void ChannelDesignModel::load(const DesignSnapshot& snapshot) {
    resetTo(snapshot);
    validateAll();
    m_dirty = false;
    emit modelReset();
    emit designChanged();
    emit dirtyChanged(false);
}

void ChannelDesignModel::resetTo(const DesignSnapshot& snapshot) {
    std::map<QString, int> keysById;
    for (const auto& e : m_entries) {
        if (e.fromCluster) {
            keysById[e.properties.id] = e.key;
        }
    }
    m_sites = snapshot.sites;
    m_dataSources.clear();
    for (const auto& o : snapshot.dataSources) {
        const auto& d = o.data_source();
        m_dataSources.push_back({qs(d.id()), qs(d.site()), qs(d.url())});
        if (!d.site().empty() && !m_sites.contains(qs(d.site()))) {
            m_sites.append(qs(d.site()));
        }
    }
    std::sort(m_dataSources.begin(), m_dataSources.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });

    std::map<QString, std::vector<ferry::v1::ConfigObject>> byChannel;
    m_maxPipelineId = 0;
    for (const auto& o : snapshot.pipelines) {
        m_maxPipelineId = std::max(m_maxPipelineId, o.pipeline().id());
        byChannel[qs(o.pipeline().channel())].push_back(o);
    }

    m_loaded.clear();
    m_entries.clear();
    for (const auto& o : snapshot.channels) {
        const auto& c = o.channel();
        Loaded l;
        l.channel = o;
        l.pipelines = orderedPipelines(c, byChannel[qs(c.id())]);
        ChannelProperties& p = l.properties;
        p.id = qs(c.id());
        p.kind = c.kind() != ferry::v1::CHANNEL_KIND_UNSPECIFIED ? c.kind()
                 : l.pipelines.size() >= 2                       ? ferry::v1::CHANNEL_KIND_TWO_WAY
                                                                 : ferry::v1::CHANNEL_KIND_ONE_WAY;
        p.ddlFromSite = qs(c.ddl_from_site());
        p.primarySite = qs(c.primary_site());
        p.conflictPolicy = c.conflict_policy().kind();
        p.versionColumn = qs(c.conflict_policy().version_column());
        if (!l.pipelines.empty()) {
            const auto& forward = l.pipelines.front().pipeline();
            p.source = qs(forward.source());
            p.target = qs(forward.target());
            p.batchMaxRows = forward.settings().batch_max_rows();
            p.parallelism = forward.settings().parallelism();
            p.dryRun = forward.settings().dry_run();
            p.ddl = forward.settings().ddl();
        }
        m_loaded[p.id] = l;
    }
    // Site lookups need the data sources; the DDL direction is read once they are known.
    for (auto& [id, l] : m_loaded) {
        ChannelProperties& p = l.properties;
        if (p.kind == ferry::v1::CHANNEL_KIND_TWO_WAY) {
            for (const auto& o : l.pipelines) {
                if (siteOf(qs(o.pipeline().source())) == p.ddlFromSite) {
                    p.ddl = o.pipeline().settings().ddl();
                    break;
                }
            }
        }
        Entry e;
        auto known = keysById.find(id);
        e.key = known != keysById.end() ? known->second : m_nextKey++;
        e.properties = p;
        e.fromCluster = true;
        m_entries.push_back(e);
    }
}

void ChannelDesignModel::rebase(const DesignSnapshot& snapshot) {
    const std::vector<Entry> mine = m_entries;
    const std::map<QString, Loaded> base = m_loaded;
    std::set<QString> kept;
    for (const auto& e : mine) {
        if (e.fromCluster) {
            kept.insert(e.properties.id);
        }
    }
    resetTo(snapshot);

    for (const auto& [id, l] : base) {
        if (kept.count(id) == 0) {
            m_entries.erase(std::remove_if(m_entries.begin(), m_entries.end(),
                                           [&](const Entry& e) {
                                               return e.fromCluster && e.properties.id == id;
                                           }),
                            m_entries.end());
        }
    }
    for (const auto& e : mine) {
        if (!e.fromCluster) {
            m_entries.push_back(e);
            continue;
        }
        const ChannelProperties& before = base.at(e.properties.id).properties;
        if (before == e.properties) {
            continue;
        }
        Entry* fresh = nullptr;
        for (auto& f : m_entries) {
            if (f.fromCluster && f.properties.id == e.properties.id) {
                fresh = &f;
            }
        }
        if (fresh == nullptr) {
            // Deleted elsewhere while edited here: keeping mine creates it again.
            Entry again = e;
            again.fromCluster = false;
            m_entries.push_back(again);
            continue;
        }
        for (const auto f : kAllFields) {
            if (field(e.properties, f) != field(before, f)) {
                setField(fresh->properties, f, field(e.properties, f));
            }
        }
    }
    m_nextKey = std::max(m_nextKey, [&] {
        int k = 0;
        for (const auto& e : m_entries) {
            k = std::max(k, e.key);
        }
        return k + 1;
    }());
    validateAll();
    emit modelReset();
    changed();
}

QList<int> ChannelDesignModel::keys() const {
    QList<int> out;
    for (const auto& e : m_entries) {
        out.append(e.key);
    }
    return out;
}

ChannelDesignModel::Entry* ChannelDesignModel::find(int key) {
    for (auto& e : m_entries) {
        if (e.key == key) {
            return &e;
        }
    }
    return nullptr;
}

const ChannelDesignModel::Entry* ChannelDesignModel::entry(int key) const {
    return const_cast<ChannelDesignModel*>(this)->find(key);
}

const ChannelProperties* ChannelDesignModel::channel(int key) const {
    const auto* e = entry(key);
    return e != nullptr ? &e->properties : nullptr;
}

int ChannelDesignModel::keyOf(const QString& id) const {
    for (const auto& e : m_entries) {
        if (e.properties.id == id) {
            return e.key;
        }
    }
    return 0;
}

bool ChannelDesignModel::isFromCluster(int key) const {
    const auto* e = entry(key);
    return e != nullptr && e->fromCluster;
}

int ChannelDesignModel::rowOf(int key) const {
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].key == key) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

const ChannelProperties* ChannelDesignModel::loadedChannel(const QString& id) const {
    auto it = m_loaded.find(id);
    return it != m_loaded.end() ? &it->second.properties : nullptr;
}

ChannelProperties ChannelDesignModel::newChannel(const QString& source,
                                                 const QString& target) const {
    ChannelProperties p;
    p.source = source;
    p.target = target;
    p.kind = ferry::v1::CHANNEL_KIND_ONE_WAY;
    p.ddl = ferry::v1::DDL_MODE_REPLICATE;
    const QString from = siteOf(source);
    const QString to = siteOf(target);
    p.ddlFromSite = from;
    p.primarySite = from;
    QString base = !from.isEmpty() && !to.isEmpty() && from != to
                       ? from + QLatin1Char('-') + to
                       : source + QLatin1Char('-') + target;
    base = base.toLower().replace(QRegularExpression(QStringLiteral("[^a-z0-9_.-]")),
                                  QStringLiteral("-"));
    const auto taken = [this](const QString& id) {
        return keyOf(id) != 0 || m_loaded.count(id) != 0;
    };
    p.id = base;
    for (int n = 2; taken(p.id); ++n) {
        p.id = base + QLatin1Char('-') + QString::number(n);
    }
    return p;
}

int ChannelDesignModel::addChannel(const ChannelProperties& properties, int key) {
    Entry e;
    e.key = key != 0 ? key : m_nextKey++;
    m_nextKey = std::max(m_nextKey, e.key + 1);
    e.properties = properties;
    m_entries.push_back(e);
    validateAll();
    emit channelAdded(e.key);
    changed();
    return e.key;
}

std::optional<ChannelDesignModel::Entry> ChannelDesignModel::removeChannel(int key) {
    const int row = rowOf(key);
    if (row < 0) {
        return std::nullopt;
    }
    Entry e = m_entries[static_cast<std::size_t>(row)];
    m_entries.erase(m_entries.begin() + row);
    validateAll();
    emit channelRemoved(key);
    changed();
    return e;
}

void ChannelDesignModel::restoreChannel(const Entry& entry, int row) {
    row = std::clamp(row, 0, channelCount());
    m_entries.insert(m_entries.begin() + row, entry);
    m_nextKey = std::max(m_nextKey, entry.key + 1);
    validateAll();
    emit channelAdded(entry.key);
    changed();
}

void ChannelDesignModel::setChannel(int key, const ChannelProperties& properties) {
    auto* e = find(key);
    if (e == nullptr || e->properties == properties) {
        return;
    }
    e->properties = properties;
    validateAll();
    emit channelChanged(key);
    changed();
}

QVariant ChannelDesignModel::field(const ChannelProperties& p, ChannelField f) {
    switch (f) {
        case ChannelField::Id:
            return p.id;
        case ChannelField::Endpoints:
            return QStringList{p.source, p.target};
        case ChannelField::Kind:
            return static_cast<int>(p.kind);
        case ChannelField::BatchMaxRows:
            return p.batchMaxRows;
        case ChannelField::Parallelism:
            return p.parallelism;
        case ChannelField::Ddl:
            return static_cast<int>(p.ddl);
        case ChannelField::DdlFromSite:
            return p.ddlFromSite;
        case ChannelField::DryRun:
            return p.dryRun;
        case ChannelField::ConflictPolicy:
            return static_cast<int>(p.conflictPolicy);
        case ChannelField::VersionColumn:
            return p.versionColumn;
        case ChannelField::PrimarySite:
            return p.primarySite;
    }
    return {};
}

void ChannelDesignModel::setField(ChannelProperties& p, ChannelField f, const QVariant& value) {
    switch (f) {
        case ChannelField::Id:
            p.id = value.toString();
            break;
        case ChannelField::Endpoints: {
            const QStringList ends = value.toStringList();
            p.source = ends.value(0);
            p.target = ends.value(1);
            break;
        }
        case ChannelField::Kind: {
            const int k = value.toInt();
            p.kind = ferry::v1::ChannelKind_IsValid(k) ? static_cast<ferry::v1::ChannelKind>(k)
                                                       : ferry::v1::CHANNEL_KIND_UNSPECIFIED;
            break;
        }
        case ChannelField::BatchMaxRows:
            p.batchMaxRows = value.toUInt();
            break;
        case ChannelField::Parallelism:
            p.parallelism = value.toUInt();
            break;
        case ChannelField::Ddl: {
            const int d = value.toInt();
            p.ddl = ferry::v1::DdlMode_IsValid(d) ? static_cast<ferry::v1::DdlMode>(d)
                                                  : ferry::v1::DDL_MODE_UNSPECIFIED;
            break;
        }
        case ChannelField::DdlFromSite:
            p.ddlFromSite = value.toString();
            break;
        case ChannelField::DryRun:
            p.dryRun = value.toBool();
            break;
        case ChannelField::ConflictPolicy: {
            const int c = value.toInt();
            p.conflictPolicy = ferry::v1::ConflictPolicyKind_IsValid(c)
                                   ? static_cast<ferry::v1::ConflictPolicyKind>(c)
                                   : ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED;
            break;
        }
        case ChannelField::VersionColumn:
            p.versionColumn = value.toString();
            break;
        case ChannelField::PrimarySite:
            p.primarySite = value.toString();
            break;
    }
}

QList<DesignIssue> ChannelDesignModel::issues(int key) const {
    auto it = m_issues.find(key);
    return it != m_issues.end() ? it->second : QList<DesignIssue>();
}

int ChannelDesignModel::errorCount() const {
    int n = 0;
    for (const auto& [key, list] : m_issues) {
        n += static_cast<int>(std::count_if(list.begin(), list.end(), [](const auto& i) {
            return i.severity == DesignIssue::Severity::Error;
        }));
    }
    return n;
}

int ChannelDesignModel::warningCount() const {
    int n = 0;
    for (const auto& [key, list] : m_issues) {
        n += static_cast<int>(std::count_if(list.begin(), list.end(), [](const auto& i) {
            return i.severity == DesignIssue::Severity::Warning;
        }));
    }
    return n;
}

void ChannelDesignModel::validateAll() {
    m_issues.clear();
    for (const auto& e : m_entries) {
        auto list = validate(e);
        if (!list.isEmpty()) {
            m_issues[e.key] = std::move(list);
        }
    }
}

QList<DesignIssue> ChannelDesignModel::validate(const Entry& e) const {
    using Severity = DesignIssue::Severity;
    QList<DesignIssue> out;
    const ChannelProperties& p = e.properties;
    const auto error = [&](ChannelField f, const QString& text) {
        out.append({Severity::Error, f, text});
    };
    const auto warn = [&](ChannelField f, const QString& text) {
        out.append({Severity::Warning, f, text});
    };

    static const QRegularExpression idPattern(QStringLiteral("^[a-z0-9][a-z0-9_.-]*$"));
    if (p.id.isEmpty()) {
        error(ChannelField::Id, tr("Give the channel an id (e.g. hz-us)."));
    } else if (!e.fromCluster &&
               (p.id.size() > kMaxIdLength || !idPattern.match(p.id).hasMatch())) {
        // New ids follow the house style (pipeline names are "<channel>:<site>-><site>");
        // ids already in the cluster are whatever the agent accepted.
        error(ChannelField::Id,
              tr("Channel id '%1' is not valid: start with a lowercase letter or digit and use "
                 "only a-z, 0-9, '-', '_' and '.' (at most %2 characters).")
                  .arg(p.id)
                  .arg(kMaxIdLength));
    } else {
        const bool duplicate = std::any_of(m_entries.begin(), m_entries.end(), [&](const auto& o) {
            return o.key != e.key && o.properties.id == p.id;
        });
        if (duplicate) {
            error(ChannelField::Id,
                  tr("Another channel is already named '%1'; choose another id.").arg(p.id));
        }
    }

    const QString fromSite = siteOf(p.source);
    const QString toSite = siteOf(p.target);
    bool endpointsOk = true;
    if (dataSource(p.source) == nullptr) {
        endpointsOk = false;
        error(ChannelField::Endpoints,
              p.source.isEmpty()
                  ? tr("The channel has no source data source; delete it and draw it again.")
                  : tr("Source data source '%1' does not exist; delete the channel and draw it "
                       "again.")
                        .arg(p.source));
    }
    if (dataSource(p.target) == nullptr) {
        endpointsOk = false;
        error(ChannelField::Endpoints,
              p.target.isEmpty()
                  ? tr("The channel has no target data source; delete it and draw it again.")
                  : tr("Target data source '%1' does not exist; delete the channel and draw it "
                       "again.")
                        .arg(p.target));
    }
    if (endpointsOk && p.source == p.target) {
        endpointsOk = false;
        error(ChannelField::Endpoints,
              tr("A channel needs two different data sources; %1 is both source and target.")
                  .arg(p.source));
    }
    const bool twoWay = p.kind == ferry::v1::CHANNEL_KIND_TWO_WAY;
    if (endpointsOk) {
        if (fromSite == toSite) {
            warn(ChannelField::Endpoints,
                 tr("Both data sources are in site %1: the channel stays inside one data "
                    "center.")
                     .arg(fromSite));
        }
        for (const auto& o : m_entries) {
            if (o.key == e.key) {
                continue;
            }
            const auto& q = o.properties;
            const bool qTwoWay = q.kind == ferry::v1::CHANNEL_KIND_TWO_WAY;
            const bool same = q.source == p.source && q.target == p.target;
            const bool opposite = q.source == p.target && q.target == p.source;
            if (same || (opposite && (twoWay || qTwoWay))) {
                warn(ChannelField::Endpoints,
                     tr("Channel '%1' also replicates between %2 and %3: make sure their table "
                        "mappings do not overlap.")
                         .arg(q.id, p.source, p.target));
                break;
            }
        }
    }

    if (p.kind != ferry::v1::CHANNEL_KIND_ONE_WAY && !twoWay) {
        error(ChannelField::Kind, tr("Choose one-way or two-way."));
    }
    if (p.batchMaxRows > kMaxBatchRows) {
        error(ChannelField::BatchMaxRows, tr("Batch size %1 is above the limit of %2 rows.")
                                              .arg(p.batchMaxRows)
                                              .arg(kMaxBatchRows));
    }
    if (p.parallelism > kMaxParallelism) {
        error(ChannelField::Parallelism, tr("Parallelism %1 is above the limit of %2 connections.")
                                             .arg(p.parallelism)
                                             .arg(kMaxParallelism));
    }

    const QString sitesText = fromSite + tr(" or ") + toSite;
    const bool siteOfChannel = [&](const QString& site) {
        return !site.isEmpty() && (site == fromSite || site == toSite);
    }(p.ddlFromSite);
    if (twoWay && p.ddl == ferry::v1::DDL_MODE_REPLICATE && endpointsOk && !siteOfChannel) {
        error(ChannelField::DdlFromSite,
              tr("DDL replicates one way only: choose the site whose DDL is replicated (%1).")
                  .arg(sitesText));
    }

    if (twoWay) {
        switch (p.conflictPolicy) {
            case ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED:
                warn(ChannelField::ConflictPolicy,
                     tr("No conflict policy: until one is chosen, each site must write its own "
                        "rows or schemas."));
                break;
            case ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS:
                if (p.versionColumn.trimmed().isEmpty()) {
                    error(ChannelField::VersionColumn,
                          tr("Last writer wins needs a version or microsecond timestamp column."));
                }
                break;
            case ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY:
                if (endpointsOk && p.primarySite != fromSite && p.primarySite != toSite) {
                    error(
                        ChannelField::PrimarySite,
                        tr("Site priority needs the site whose version wins (%1).").arg(sitesText));
                }
                break;
            default:
                break;
        }
    } else if (p.conflictPolicy != ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED) {
        warn(ChannelField::ConflictPolicy,
             tr("A one-way channel has no conflicts: the policy applies once it is two-way."));
    }
    return out;
}

void ChannelDesignModel::changed() {
    bool dirty = false;
    std::size_t fromCluster = 0;
    for (const auto& e : m_entries) {
        if (!e.fromCluster) {
            dirty = true;
            continue;
        }
        ++fromCluster;
        auto it = m_loaded.find(e.properties.id);
        if (it == m_loaded.end() || !(it->second.properties == e.properties)) {
            dirty = true;
        }
    }
    dirty = dirty || fromCluster != m_loaded.size();
    const bool flipped = dirty != m_dirty;
    m_dirty = dirty;
    emit designChanged();
    if (flipped) {
        emit dirtyChanged(dirty);
    }
}

ferry::v1::PipelineSettings ChannelDesignModel::settingsFor(const ChannelProperties& p,
                                                            const QString& sourceSite) const {
    ferry::v1::PipelineSettings s;
    s.set_batch_max_rows(p.batchMaxRows);
    s.set_parallelism(p.parallelism);
    s.set_dry_run(p.dryRun);
    ferry::v1::DdlMode ddl = p.ddl;
    if (p.kind == ferry::v1::CHANNEL_KIND_TWO_WAY && sourceSite != p.ddlFromSite &&
        ddl == ferry::v1::DDL_MODE_REPLICATE) {
        // The other direction must not lose a DDL silently: it stops with an alarm.
        ddl = ferry::v1::DDL_MODE_STOP;
    }
    s.set_ddl(ddl);
    return s;
}

void ChannelDesignModel::planChannel(const ChannelProperties* wanted, const Loaded* loaded,
                                     std::uint64_t& nextPipelineId, std::vector<SaveStep>& puts,
                                     std::vector<SaveStep>& channelPuts,
                                     std::vector<SaveStep>& deletes) const {
    const auto deleteStep = [](ferry::v1::ConfigKind kind, const std::string& id,
                               std::uint64_t version, const QString& what) {
        SaveStep s;
        s.kind = SaveStep::Kind::Delete;
        s.ref = refOf(kind, id);
        s.version = version;
        s.description = what;
        return s;
    };
    if (wanted == nullptr) {
        const auto& c = loaded->channel;
        deletes.push_back(deleteStep(ferry::v1::CONFIG_KIND_CHANNEL, c.channel().id(), c.version(),
                                     tr("delete channel %1").arg(qs(c.channel().id()))));
        for (const auto& o : loaded->pipelines) {
            deletes.push_back(deleteStep(
                ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(o.pipeline().id()), o.version(),
                tr("delete pipeline %1 (%2)").arg(o.pipeline().id()).arg(qs(o.pipeline().name()))));
        }
        return;
    }
    if (loaded != nullptr && loaded->properties == *wanted) {
        return;
    }
    const ChannelProperties& p = *wanted;
    std::vector<std::pair<QString, QString>> directions{{p.source, p.target}};
    if (p.kind == ferry::v1::CHANNEL_KIND_TWO_WAY) {
        directions.emplace_back(p.target, p.source);
    }
    static const std::vector<ferry::v1::ConfigObject> kNone;
    const auto& available = loaded != nullptr ? loaded->pipelines : kNone;
    std::vector<bool> used(available.size(), false);
    std::vector<std::uint64_t> ids;
    for (const auto& [from, to] : directions) {
        std::size_t match = available.size();
        for (std::size_t i = 0; i < available.size(); ++i) {
            const auto& ap = available[i].pipeline();
            if (!used[i] && qs(ap.source()) == from && qs(ap.target()) == to) {
                match = i;
                break;
            }
        }
        ferry::v1::ConfigObject object;
        if (match < available.size()) {
            used[match] = true;
            object = available[match];
        } else {
            object.set_version(0);
            object.mutable_pipeline()->set_id(nextPipelineId++);
            object.mutable_pipeline()->set_desired_state(ferry::v1::PIPELINE_STATE_STOPPED);
        }
        auto* pipeline = object.mutable_pipeline();
        const QString fromSite = siteOf(from);
        pipeline->set_channel(ss(p.id));
        pipeline->set_source(ss(from));
        pipeline->set_target(ss(to));
        pipeline->set_name(
            ss(p.id + QLatin1Char(':') + fromSite + QStringLiteral("->") + siteOf(to)));
        const auto settings = settingsFor(p, fromSite);
        auto* s = pipeline->mutable_settings();
        s->set_batch_max_rows(settings.batch_max_rows());
        s->set_parallelism(settings.parallelism());
        s->set_dry_run(settings.dry_run());
        s->set_ddl(settings.ddl());
        ids.push_back(pipeline->id());
        const bool create = match >= available.size();
        if (create || !sameMessage(object, available[match])) {
            SaveStep step;
            step.object = object;
            step.ref = refOf(ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(pipeline->id()));
            step.version = object.version();
            step.description =
                (create ? tr("create pipeline %1 (%2)") : tr("update pipeline %1 (%2)"))
                    .arg(pipeline->id())
                    .arg(qs(pipeline->name()));
            puts.push_back(std::move(step));
        }
    }
    for (std::size_t i = 0; i < available.size(); ++i) {
        if (!used[i]) {
            const auto& ap = available[i].pipeline();
            deletes.push_back(deleteStep(
                ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(ap.id()), available[i].version(),
                tr("delete pipeline %1 (%2)").arg(ap.id()).arg(qs(ap.name()))));
        }
    }

    ferry::v1::ConfigObject object;
    if (loaded != nullptr) {
        object = loaded->channel;
    }
    auto* c = object.mutable_channel();
    c->set_id(ss(p.id));
    c->set_kind(p.kind);
    c->clear_pipelines();
    for (const auto id : ids) {
        c->add_pipelines(id);
    }
    c->mutable_conflict_policy()->set_kind(p.conflictPolicy);
    c->mutable_conflict_policy()->set_version_column(ss(p.versionColumn));
    c->set_ddl_from_site(ss(p.ddlFromSite));
    c->set_primary_site(ss(p.primarySite));
    if (loaded == nullptr || !sameMessage(object, loaded->channel)) {
        SaveStep step;
        step.object = object;
        step.ref = refOf(ferry::v1::CONFIG_KIND_CHANNEL, c->id());
        step.version = object.version();
        step.description =
            (loaded == nullptr ? tr("create channel %1") : tr("update channel %1")).arg(p.id);
        channelPuts.push_back(std::move(step));
    }
}

Result<std::vector<SaveStep>> ChannelDesignModel::plan() const {
    if (const int errors = errorCount(); errors > 0) {
        return makeError(
            ErrorCode::InvalidArgument,
            tr("the design has %1 error(s); fix them before saving").arg(errors).toStdString());
    }
    std::uint64_t nextPipelineId = m_maxPipelineId + 1;
    std::vector<SaveStep> puts;
    std::vector<SaveStep> channelPuts;
    std::vector<SaveStep> deletes;
    std::set<QString> planned;
    for (const auto& [id, loaded] : m_loaded) {
        // A channel of the snapshot is matched by id (also when deleted and drawn anew).
        const ChannelProperties* wanted = nullptr;
        for (const auto& e : m_entries) {
            if (e.properties.id == id) {
                wanted = &e.properties;
            }
        }
        planChannel(wanted, &loaded, nextPipelineId, puts, channelPuts, deletes);
        planned.insert(id);
    }
    for (const auto& e : m_entries) {
        if (planned.count(e.properties.id) == 0) {
            planChannel(&e.properties, nullptr, nextPipelineId, puts, channelPuts, deletes);
        }
    }
    std::vector<SaveStep> steps = std::move(puts);
    steps.insert(steps.end(), std::make_move_iterator(channelPuts.begin()),
                 std::make_move_iterator(channelPuts.end()));
    steps.insert(steps.end(), std::make_move_iterator(deletes.begin()),
                 std::make_move_iterator(deletes.end()));
    return steps;
}

}  // namespace ferry::gui
