// SPDX-License-Identifier: Apache-2.0
#include "widgets/designer/design_sync.h"

#include <memory>
#include <string>

namespace ferry::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString kindName(ferry::v1::ConfigKind kind) {
    switch (kind) {
        case ferry::v1::CONFIG_KIND_DATA_SOURCE:
            return QStringLiteral("data source");
        case ferry::v1::CONFIG_KIND_CHANNEL:
            return QStringLiteral("channel");
        case ferry::v1::CONFIG_KIND_PIPELINE:
            return QStringLiteral("pipeline");
        case ferry::v1::CONFIG_KIND_TABLE_MAPPING:
            return QStringLiteral("table mapping");
        default:
            return QStringLiteral("object");
    }
}

QString nameOf(const ferry::v1::ConfigRef& ref) {
    return kindName(ref.kind()) + QStringLiteral(" '") + qs(ref.id()) + QLatin1Char('\'');
}

// Collects the answers of one load; the snapshot is complete when all have arrived.
struct LoadBatch {
    DesignSnapshot snapshot;
    int outstanding = 0;
    std::optional<Error> error;
};

}  // namespace

struct DesignSync::SaveRun {
    std::vector<SaveStep> steps;
    SaveHandler handler;
    int outstandingChecks = 0;
    QStringList conflicts;  // found by the version check
    std::optional<Error> checkError;
    std::size_t next = 0;  // the step to write next
};

DesignSync::DesignSync(ConnectionManager& manager, QObject* parent)
    : QObject(parent), m_manager(manager) {}

DesignSnapshot DesignSync::fromTopology(const ClusterState::Topology& topology) {
    DesignSnapshot s;
    for (const auto& site : topology.sites) {
        s.sites.append(qs(site.site().name()));
    }
    s.dataSources = topology.dataSources;
    s.channels = topology.channels;
    s.pipelines = topology.pipelines;
    return s;
}

void DesignSync::load(LoadHandler handler) {
    m_busy = true;
    auto batch = std::make_shared<LoadBatch>();
    QPointer<DesignSync> self(this);
    auto finish = [self, batch, handler](const Result<ferry::v1::Response>& r, auto&& store) {
        --batch->outstanding;
        if (!r.ok()) {
            if (!batch->error) {
                batch->error = r.error();
            }
        } else {
            store(*r);
        }
        auto* me = self.data();
        if (batch->outstanding > 0 || me == nullptr) {
            return;
        }
        me->m_busy = false;
        if (batch->error) {
            handler(makeError(batch->error->code,
                              "cannot read the configuration: " + batch->error->message));
        } else {
            handler(std::move(batch->snapshot));
        }
    };
    const auto listConfig = [](ferry::v1::ConfigKind kind) {
        ferry::v1::Request r;
        r.mutable_list_config()->set_kind(kind);
        return r;
    };
    ferry::v1::Request sites;
    sites.mutable_list_sites();
    batch->outstanding = 4;
    m_manager.send(sites, [finish, batch](Result<ferry::v1::Response> r) {
        finish(r, [&](const ferry::v1::Response& ok) {
            for (const auto& site : ok.list_sites().sites()) {
                batch->snapshot.sites.append(qs(site.site().name()));
            }
        });
    });
    const std::pair<ferry::v1::ConfigKind, std::vector<ferry::v1::ConfigObject> DesignSnapshot::*>
        lists[] = {{ferry::v1::CONFIG_KIND_DATA_SOURCE, &DesignSnapshot::dataSources},
                   {ferry::v1::CONFIG_KIND_CHANNEL, &DesignSnapshot::channels},
                   {ferry::v1::CONFIG_KIND_PIPELINE, &DesignSnapshot::pipelines}};
    for (const auto& [kind, member] : lists) {
        m_manager.send(listConfig(kind),
                       [finish, batch, member = member](Result<ferry::v1::Response> r) {
                           finish(r, [&](const ferry::v1::Response& ok) {
                               const auto& o = ok.list_config().objects();
                               (batch->snapshot.*member).assign(o.begin(), o.end());
                           });
                       });
    }
}

void DesignSync::save(std::vector<SaveStep> steps, SaveHandler handler) {
    m_busy = true;
    auto run = std::make_shared<SaveRun>();
    run->steps = std::move(steps);
    run->handler = std::move(handler);
    if (run->steps.empty()) {
        QMetaObject::invokeMethod(
            this, [this, run] { finishSave(run, okStatus()); }, Qt::QueuedConnection);
        return;
    }
    check(run);
}

void DesignSync::check(const std::shared_ptr<SaveRun>& run) {
    QPointer<DesignSync> self(this);
    run->outstandingChecks = static_cast<int>(run->steps.size());
    for (const auto& step : run->steps) {
        ferry::v1::Request request;
        *request.mutable_get_config()->mutable_ref() = step.ref;
        const ferry::v1::ConfigRef ref = step.ref;
        const std::uint64_t expected = step.version;
        m_manager.send(request, [self, run, ref, expected](Result<ferry::v1::Response> r) {
            auto* me = self.data();
            if (me == nullptr) {
                return;
            }
            const QString what = nameOf(ref);
            if (r.ok()) {
                const std::uint64_t now = r->get_config().object().version();
                if (expected == 0) {
                    run->conflicts.append(
                        tr("%1 was created elsewhere (it is at version %2)").arg(what).arg(now));
                } else if (now != expected) {
                    run->conflicts.append(
                        tr("%1 was changed elsewhere: you read version %2, it is now at "
                           "version %3")
                            .arg(what)
                            .arg(expected)
                            .arg(now));
                }
            } else if (r.error().code == ErrorCode::NotFound) {
                if (expected != 0) {
                    run->conflicts.append(tr("%1 was deleted elsewhere").arg(what));
                }
            } else if (!run->checkError) {
                run->checkError = r.error();
            }
            if (--run->outstandingChecks > 0) {
                return;
            }
            if (run->checkError) {
                me->finishSave(run, makeError(run->checkError->code,
                                              "cannot check the configuration versions: " +
                                                  run->checkError->message));
            } else if (!run->conflicts.isEmpty()) {
                me->finishSave(run,
                               makeError(ErrorCode::Conflict,
                                         run->conflicts.join(QStringLiteral("; ")).toStdString()));
            } else {
                me->writeNext(run);
            }
        });
    }
}

void DesignSync::writeNext(const std::shared_ptr<SaveRun>& run) {
    if (run->next >= run->steps.size()) {
        finishSave(run, okStatus());
        return;
    }
    const SaveStep& step = run->steps[run->next];
    ferry::v1::Request request;
    if (step.kind == SaveStep::Kind::Put) {
        *request.mutable_put_config()->mutable_object() = step.object;
    } else {
        *request.mutable_delete_config()->mutable_ref() = step.ref;
        request.mutable_delete_config()->set_version(step.version);
    }
    QPointer<DesignSync> self(this);
    const QString description = step.description;
    m_manager.send(request, [self, run, description](Result<ferry::v1::Response> r) {
        auto* me = self.data();
        if (me == nullptr) {
            return;
        }
        if (!r.ok()) {
            const bool stale =
                r.error().code == ErrorCode::Conflict || r.error().code == ErrorCode::NotFound;
            QString text = tr("could not %1: %2").arg(description, qs(r.error().message));
            if (run->next > 0) {
                text += tr(" (%1 of %2 writes were made)").arg(run->next).arg(run->steps.size());
            }
            me->finishSave(
                run, makeError(stale ? ErrorCode::Conflict : r.error().code, text.toStdString()));
            return;
        }
        ++run->next;
        me->writeNext(run);
    });
}

void DesignSync::finishSave(const std::shared_ptr<SaveRun>& run, Status status) {
    m_busy = false;
    auto handler = std::move(run->handler);
    if (handler) {
        handler(std::move(status), static_cast<int>(run->next));
    }
}

}  // namespace ferry::gui
