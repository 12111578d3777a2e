// Parties of a case: who they are, what they are to the case, and the facts the consent rules need
// (a child's date of birth for "turns 18", the client an attorney represents, the child a therapist treats).
#pragma once

#include "common/clock.h"
#include "domain/ids.h"
#include "domain/policy.h"
#include "domain/types.h"

#include <optional>
#include <string>
#include <string_view>

namespace kinvault::domain {

// Counsel can be substituted (rule 9); any party can leave the case. Only an active party has standing.
enum class PartyStatus { active, substituted, withdrawn };

struct Party {
    PartyId id;
    Role role{Role::parent};
    std::string name;
    UserId user; // empty until the party has accepted an invitation
    // Children: the day of birth (midnight UTC). Unknown means the child is treated as a minor who cannot
    // consent for themselves, the safe reading of both rule 5 and rule 10.
    std::optional<UnixTime> date_of_birth;
    std::optional<PartyId> represents; // attorney, minors_counsel: the client
    std::optional<PartyId> treats;     // child_therapist: the child
    // child_therapist: the child consented to this treatment personally (rule 5, minor consent).
    bool minor_consented_treatment{false};
    PartyStatus status{PartyStatus::active};
    std::optional<UnixTime> status_since; // when the substitution or withdrawal was recorded
    std::optional<PartyId> successor;     // substituted counsel: who replaced them
};

[[nodiscard]] inline bool is_active(const Party& p) {
    return p.status == PartyStatus::active;
}
[[nodiscard]] inline bool is_counsel(Role r) {
    return r == Role::attorney || r == Role::minors_counsel;
}

// The first second of the day a person born on `date_of_birth` reaches `years` of age (CA Family Code 6500
// counts from the first minute of the birthday). A 29 February birthday is reached on 1 March in common
// years.
[[nodiscard]] UnixTime day_reaching_age(UnixTime date_of_birth, int years);
// Full years of age at `at`; nullopt when the date of birth is unknown.
[[nodiscard]] std::optional<int> age_at(const Party& p, UnixTime at);
// Adult for rule 10. Only a child party can be a minor; a child with an unknown date of birth is a minor.
[[nodiscard]] bool is_adult(const Party& p, UnixTime at, const Policy& policy);

[[nodiscard]] std::string_view to_string(PartyStatus s);
[[nodiscard]] std::optional<PartyStatus> parse_party_status(std::string_view text);

} // namespace kinvault::domain
