// SPDX-License-Identifier: Apache-2.0
#include "ferry/server/call.h"

#include <QMetaObject>
#include <QObject>

#include "connection.h"

namespace ferry::server {

namespace {

// The connection-level code that ends an answered stream for a ServiceError.
ferry::v1::WireError streamEnd(const ferry::v1::ServiceError& error) {
    ferry::v1::WireError out;
    switch (error.code()) {
        case ferry::v1::SERVICE_ERROR_CODE_UNSPECIFIED:
            out.set_code(ferry::v1::WIRE_ERROR_CODE_CANCELLED);
            out.set_message(error.message().empty() ? "the server ended the stream"
                                                    : error.message());
            break;
        case ferry::v1::SERVICE_ERROR_CODE_UNAVAILABLE:
            out.set_code(ferry::v1::WIRE_ERROR_CODE_UNAVAILABLE);
            out.set_message(error.message());
            break;
        case ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED:
            out.set_code(ferry::v1::WIRE_ERROR_CODE_PERMISSION_DENIED);
            out.set_message(error.message());
            break;
        case ferry::v1::SERVICE_ERROR_CODE_INTERNAL:
            out.set_code(ferry::v1::WIRE_ERROR_CODE_INTERNAL);
            out.set_message(error.message());
            break;
        default: {
            std::string code = ferry::v1::ServiceErrorCode_Name(error.code());
            out.set_code(ferry::v1::WIRE_ERROR_CODE_CANCELLED);
            out.set_message(code + ": " + error.message());
        }
    }
    out.set_hint(error.hint());
    return out;
}

}  // namespace

std::string callEndName(CallEnd end) {
    switch (end) {
        case CallEnd::Cancelled:
            return "cancelled by the client";
        case CallEnd::ConnectionClosed:
            return "connection closed";
    }
    return "ended";
}

Call::Call(std::weak_ptr<detail::Connection> connection, PeerInfo peer, std::uint64_t requestId,
           ferry::v1::Request request, const OperationPolicy& policy)
    : m_connection(std::move(connection)),
      m_peer(std::move(peer)),
      m_requestId(requestId),
      m_request(std::move(request)),
      m_policy(&policy) {}

Status Call::respond(const ferry::v1::Response& response) {
    if (m_responded) {
        return makeError(ErrorCode::InvalidArgument, "request " + std::to_string(m_requestId) +
                                                         " (" + std::string(m_policy->name) +
                                                         ") was already answered");
    }
    auto connection = m_connection.lock();
    if (!connection || m_ended) {
        return makeError(ErrorCode::Unavailable, "request " + std::to_string(m_requestId) + " (" +
                                                     std::string(m_policy->name) +
                                                     ") is no longer open: cancelled or its "
                                                     "connection closed");
    }
    FERRY_TRY(connection->send(m_requestId, ferry::v1::FRAME_KIND_RESPONSE, response));
    m_responded = true;
    if (!m_policy->streaming || response.has_error()) {
        finish();
        connection->forgetCall(m_requestId, this);
    }
    return okStatus();
}

Status Call::respondError(ferry::v1::ServiceErrorCode code, std::string message, std::string hint) {
    ferry::v1::Response response;
    auto* error = response.mutable_error();
    error->set_code(code);
    error->set_message(std::move(message));
    error->set_hint(std::move(hint));
    return respond(response);
}

Status Call::push(const ferry::v1::Push& push) {
    if (!m_policy->streaming || !m_responded) {
        return makeError(ErrorCode::InvalidArgument,
                         "request " + std::to_string(m_requestId) + " (" +
                             std::string(m_policy->name) + "): " +
                             (m_policy->streaming ? "push before the response"
                                                  : "push on a call that is not a stream"));
    }
    auto connection = m_connection.lock();
    if (!connection || m_ended) {
        return makeError(ErrorCode::Unavailable, "stream " + std::to_string(m_requestId) + " (" +
                                                     std::string(m_policy->name) +
                                                     ") is no longer open: cancelled or its "
                                                     "connection closed");
    }
    return connection->send(m_requestId, ferry::v1::FRAME_KIND_PUSH, push);
}

std::uint64_t Call::pendingBytes() const {
    auto connection = m_connection.lock();
    return connection ? connection->pendingBytes() : 0;
}

void Call::notifyWhenDrained(std::uint64_t threshold, DrainedCallback callback) {
    if (m_ended) {
        return;
    }
    auto connection = m_connection.lock();
    if (!connection) {
        return;
    }
    m_drainThreshold = threshold;
    m_onDrained = std::move(callback);
    const std::uint64_t generation = ++m_drainGeneration;
    if (connection->pendingBytes() <= threshold) {
        std::weak_ptr<Call> weak = shared_from_this();
        QMetaObject::invokeMethod(
            connection->eventContext(),
            [weak, generation] {
                auto self = weak.lock();
                if (self && self->m_drainGeneration == generation) {
                    self->checkDrained(self->pendingBytes());
                }
            },
            Qt::QueuedConnection);
    }
}

void Call::onEnded(EndedCallback callback) {
    if (!m_ended) {
        m_onEnded = std::move(callback);
    }
}

void Call::close(const ferry::v1::ServiceError& error) {
    auto connection = m_connection.lock();
    if (!connection || m_ended) {
        return;
    }
    if (!m_responded) {
        ferry::v1::Response response;
        *response.mutable_error() = error;
        if (error.code() == ferry::v1::SERVICE_ERROR_CODE_UNSPECIFIED) {
            response.mutable_error()->set_code(ferry::v1::SERVICE_ERROR_CODE_UNAVAILABLE);
            if (error.message().empty()) {
                response.mutable_error()->set_message("the server closed the request");
            }
        }
        m_responded = true;
        (void)connection->send(m_requestId, ferry::v1::FRAME_KIND_RESPONSE, response);
    } else {
        (void)connection->send(m_requestId, ferry::v1::FRAME_KIND_ERROR, streamEnd(error));
    }
    finish();
    connection->forgetCall(m_requestId, this);
}

void Call::closeConnection(const ferry::v1::WireError& error) {
    if (auto connection = m_connection.lock()) {
        connection->closeWithError(error);
    }
}

void Call::end(CallEnd reason) {
    m_ended = true;
    m_onDrained = nullptr;
    EndedCallback callback = std::move(m_onEnded);
    m_onEnded = nullptr;
    if (callback) {
        callback(reason);
    }
}

void Call::checkDrained(std::uint64_t pending) {
    if (m_ended || !m_onDrained || pending > m_drainThreshold) {
        return;
    }
    DrainedCallback callback = std::move(m_onDrained);
    m_onDrained = nullptr;
    callback();
}

void Call::finish() {
    m_ended = true;
    m_onEnded = nullptr;
    m_onDrained = nullptr;
}

void Call::detach() {
    m_ended = true;
}

}  // namespace ferry::server
