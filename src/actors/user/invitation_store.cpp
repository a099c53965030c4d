#include "actors/user/invitation_store.hpp"

#include "storage/codec.hpp"

namespace chat {

namespace {

template <class Keep>
errc scan(const storage::store& db, const std::string& prefix, Keep keep,
          std::vector<invitation_record>* out) {
  out->clear();
  bool corrupt = false;
  auto rc = db.scan_prefix(storage::column::invitations, prefix,
                           [&](std::string_view, std::string_view value) {
                             invitation_record r;
                             if (!storage::decode(value, r)) {
                               corrupt = true;
                               return false;
                             }
                             if (keep(r))
                               out->push_back(std::move(r));
                             return true;
                           });
  return corrupt ? errc::internal : rc;
}

} // namespace

errc invitation_store::pending_for(const std::string& user,
                                   std::vector<invitation_record>* out) const {
  return scan(db_, user + '/', [](const invitation_record&) { return true; }, out);
}

errc invitation_store::pending_to(const std::string& user, const std::string& conv,
                                  std::vector<invitation_record>* out) const {
  return scan(db_, user + '/', [&](const invitation_record& r) { return r.conv == conv; }, out);
}

errc invitation_store::sent_by(const std::string& user, const std::string& conv,
                               std::vector<invitation_record>* out) const {
  return scan(db_, "", [&](const invitation_record& r) { return r.from == user && r.conv == conv; },
              out);
}

void invitation_store::put(storage::write_batch& b, const invitation_record& inv) const {
  b.put(storage::column::invitations, inv.to + '/' + inv.id, storage::encode(inv));
}

void invitation_store::remove(storage::write_batch& b, const invitation_record& inv) const {
  b.del(storage::column::invitations, inv.to + '/' + inv.id);
}

} // namespace chat
