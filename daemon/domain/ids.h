// Identifiers of the records the domain reasons about. They are opaque strings minted by storage
// (crypto/random.h random_id); the domain only compares them.
#pragma once

#include <string>

namespace kinvault::domain {

using CaseId = std::string;
using PartyId = std::string;
using UserId = std::string;
using DocumentId = std::string;
using RoiId = std::string;
using OrderId = std::string;
using EnvelopeId = std::string;
using CustodyRecordId = std::string;

} // namespace kinvault::domain
