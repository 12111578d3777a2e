// An ROI as an HL7 FHIR R5 Consent resource (JSON), for other systems that keep consents: the decision
// "permit" with one provision carrying the recipients, actions, purposes, document types, categories,
// security labels and data period of the release, and a nested provision per revoked recipient (a nested
// provision is an exception to its parent, FHIR R5 Consent.provision.provision).
#pragma once

#include "services/consent/details.h"

#include <Poco/JSON/Object.h>

namespace kinvault::services {

[[nodiscard]] Poco::JSON::Object::Ptr roi_to_fhir(const RoiDetail& detail);

} // namespace kinvault::services
