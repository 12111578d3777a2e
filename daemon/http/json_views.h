// Service views -> JSON objects, in one place so the API and the OpenAPI schemas agree.
#pragma once

#include "services/cases.h"
#include "services/documents/vault.h"

#include <Poco/JSON/Object.h>

namespace kinvault::http {

[[nodiscard]] Poco::JSON::Object::Ptr to_json(const services::CaseView& c);
[[nodiscard]] Poco::JSON::Object::Ptr to_json(const services::PartyView& p);
[[nodiscard]] Poco::JSON::Object::Ptr to_json(const services::DocumentView& d);
[[nodiscard]] Poco::JSON::Object::Ptr to_json(const services::Principal& p);

} // namespace kinvault::http
