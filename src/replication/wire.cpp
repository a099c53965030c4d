#include "replication/wire.hpp"

#include <cstring>

namespace chat::replication::wire {
namespace {

struct writer {
  std::string out;
  void u8(std::uint8_t v) { out.push_back(static_cast<char>(v)); }
  void u16(std::uint16_t v) { for (int i = 0; i < 2; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i))); }
  void u32(std::uint32_t v) { for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i))); }
  void u64(std::uint64_t v) { for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i))); }
  void bytes(const void* p, std::size_t n) { if (n) out.append(static_cast<const char*>(p), n); }
};

struct reader {
  std::string_view in;
  bool ok = true;
  bool need(std::size_t n) {
    if (!ok || in.size() < n) ok = false;
    return ok;
  }
  std::uint64_t le(int n) {
    if (!need(static_cast<std::size_t>(n))) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(static_cast<std::size_t>(n));
    return v;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64() { return le(8); }
  std::string_view take(std::size_t n) {
    if (!need(n)) return {};
    auto v = in.substr(0, n);
    in.remove_prefix(n);
    return v;
  }
};

// Servers on the wire: u32 n, then u64 id | u8 role | u16 length | address.
void put_servers(writer& w, const raft_configuration& c) {
  w.u32(c.n);
  for (unsigned i = 0; i < c.n; ++i) {
    const auto& s = c.servers[i];
    const std::size_t len = s.address ? std::strlen(s.address) : 0;
    w.u64(s.id);
    w.u8(static_cast<std::uint8_t>(s.role));
    w.u16(static_cast<std::uint16_t>(len));
    w.bytes(s.address, len);
  }
}

bool get_servers(reader& r, raft_configuration& c) {
  const std::uint32_t n = r.u32();
  if (!r.ok || n > max_servers || n > r.in.size() / 11) return false;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint64_t id = r.u64();
    const std::uint8_t role = r.u8();
    const std::string address(r.take(r.u16()));
    if (!r.ok || address.find('\0') != std::string::npos) return false;
    if (raft_configuration_add(&c, id, address.c_str(), role) != 0) return false;
  }
  return true;
}

} // namespace

std::string encode(std::uint32_t group, std::uint64_t from, const raft_message& m) {
  writer w;
  w.u8(version);
  w.u32(group);
  w.u64(from);
  w.u64(m.server_id);
  w.u8(static_cast<std::uint8_t>(m.type));
  switch (m.type) {
    case RAFT_IO_REQUEST_VOTE: {
      const auto& a = m.request_vote;
      w.u64(a.term), w.u64(a.candidate_id), w.u64(a.last_log_index), w.u64(a.last_log_term);
      w.u8(static_cast<std::uint8_t>((a.disrupt_leader ? 1 : 0) | (a.pre_vote ? 2 : 0)));
      break;
    }
    case RAFT_IO_REQUEST_VOTE_RESULT: {
      const auto& a = m.request_vote_result;
      w.u64(a.term), w.u8(a.vote_granted ? 1 : 0), w.u8(static_cast<std::uint8_t>(a.pre_vote));
      break;
    }
    case RAFT_IO_APPEND_ENTRIES: {
      const auto& a = m.append_entries;
      w.u64(a.term), w.u64(a.prev_log_index), w.u64(a.prev_log_term), w.u64(a.leader_commit);
      w.u32(a.n_entries);
      for (unsigned i = 0; i < a.n_entries; ++i) {
        const auto& e = a.entries[i];
        w.u64(e.term), w.u8(static_cast<std::uint8_t>(e.type)), w.u32(static_cast<std::uint32_t>(e.buf.len));
        w.bytes(e.buf.base, e.buf.len);
      }
      break;
    }
    case RAFT_IO_APPEND_ENTRIES_RESULT: {
      const auto& a = m.append_entries_result;
      w.u64(a.term), w.u64(a.rejected), w.u64(a.last_log_index);
      break;
    }
    case RAFT_IO_INSTALL_SNAPSHOT: {
      const auto& a = m.install_snapshot;
      w.u64(a.term), w.u64(a.last_index), w.u64(a.last_term), w.u64(a.conf_index);
      put_servers(w, a.conf);
      w.u64(a.data.len);
      w.bytes(a.data.base, a.data.len);
      break;
    }
    case RAFT_IO_TIMEOUT_NOW: {
      const auto& a = m.timeout_now;
      w.u64(a.term), w.u64(a.last_log_index), w.u64(a.last_log_term);
      break;
    }
    default: break;
  }
  return std::move(w.out);
}

bool decode(std::string_view bytes, header& h, raft_message& out) {
  reader r{bytes};
  if (r.u8() != version || !r.ok) return false;
  h.group = r.u32();
  h.from = r.u64();
  h.to = r.u64();
  const std::uint8_t type = r.u8();
  if (!r.ok || h.from == 0 || h.to == 0) return false;
  std::memset(&out, 0, sizeof out);
  out.type = type;
  out.server_id = h.from;
  switch (type) {
    case RAFT_IO_REQUEST_VOTE: {
      auto& a = out.request_vote;
      a.term = r.u64(), a.candidate_id = r.u64(), a.last_log_index = r.u64(), a.last_log_term = r.u64();
      const std::uint8_t flags = r.u8();
      if (flags > 3) return false;
      a.disrupt_leader = flags & 1;
      a.pre_vote = flags & 2;
      break;
    }
    case RAFT_IO_REQUEST_VOTE_RESULT: {
      auto& a = out.request_vote_result;
      a.term = r.u64();
      const std::uint8_t granted = r.u8(), pre = r.u8();
      if (granted > 1 || pre > raft_tribool_false) return false;
      a.vote_granted = granted;
      a.pre_vote = static_cast<raft_tribool>(pre);
      break;
    }
    case RAFT_IO_APPEND_ENTRIES: {
      auto& a = out.append_entries;
      a.term = r.u64(), a.prev_log_index = r.u64(), a.prev_log_term = r.u64(), a.leader_commit = r.u64();
      const std::uint32_t n = r.u32();
      // Each entry takes at least 13 bytes: bound the count before allocating.
      if (!r.ok || n > max_entries || n > r.in.size() / 13) return false;
      if (n == 0) break; // entries stays NULL: libraft frees an empty message that way
      // First pass: validate and size the batch.
      reader probe = r;
      std::size_t total = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        probe.u64();
        const std::uint8_t t = probe.u8();
        const std::uint32_t len = probe.u32();
        probe.take(len);
        if (!probe.ok || t < RAFT_COMMAND || t > RAFT_CHANGE) return false;
        total += len;
      }
      if (!probe.in.empty()) return false;
      auto* entries = static_cast<raft_entry*>(raft_calloc(n, sizeof(raft_entry)));
      auto* batch = static_cast<char*>(raft_malloc(total ? total : 1));
      if (!entries || !batch) {
        raft_free(entries), raft_free(batch);
        return false;
      }
      char* cursor = batch;
      for (std::uint32_t i = 0; i < n; ++i) {
        auto& e = entries[i];
        e.term = r.u64();
        e.type = r.u8();
        const auto data = r.take(r.u32());
        std::memcpy(cursor, data.data(), data.size());
        e.buf.base = cursor;
        e.buf.len = data.size();
        e.batch = batch;
        cursor += data.size();
      }
      a.entries = entries;
      a.n_entries = n;
      break;
    }
    case RAFT_IO_APPEND_ENTRIES_RESULT: {
      auto& a = out.append_entries_result;
      a.term = r.u64(), a.rejected = r.u64(), a.last_log_index = r.u64();
      break;
    }
    case RAFT_IO_INSTALL_SNAPSHOT: {
      auto& a = out.install_snapshot;
      a.term = r.u64(), a.last_index = r.u64(), a.last_term = r.u64(), a.conf_index = r.u64();
      raft_configuration_init(&a.conf);
      if (!get_servers(r, a.conf)) {
        raft_configuration_close(&a.conf);
        return false;
      }
      const std::uint64_t len = r.u64();
      const auto data = r.take(len > r.in.size() ? r.in.size() + 1 : static_cast<std::size_t>(len));
      if (!r.ok || !r.in.empty() || a.conf.n == 0) {
        raft_configuration_close(&a.conf);
        return false;
      }
      a.data.base = raft_malloc(data.size() ? data.size() : 1);
      if (!a.data.base) {
        raft_configuration_close(&a.conf);
        return false;
      }
      std::memcpy(a.data.base, data.data(), data.size());
      a.data.len = data.size();
      break;
    }
    case RAFT_IO_TIMEOUT_NOW: {
      auto& a = out.timeout_now;
      a.term = r.u64(), a.last_log_index = r.u64(), a.last_log_term = r.u64();
      break;
    }
    default: return false;
  }
  if (!r.ok || !r.in.empty()) {
    release(out);
    return false;
  }
  return true;
}

void release(raft_message& m) {
  if (m.type == RAFT_IO_APPEND_ENTRIES && m.append_entries.entries) {
    raft_free(m.append_entries.entries[0].batch);
    raft_free(m.append_entries.entries);
    m.append_entries.entries = nullptr;
    m.append_entries.n_entries = 0;
  } else if (m.type == RAFT_IO_INSTALL_SNAPSHOT) {
    raft_configuration_close(&m.install_snapshot.conf);
    raft_free(m.install_snapshot.data.base);
    m.install_snapshot.data.base = nullptr;
  }
}

std::string encode_configuration(const raft_configuration& c) {
  writer w;
  w.u8(1);
  w.u64(c.n);
  for (unsigned i = 0; i < c.n; ++i) {
    const auto& s = c.servers[i];
    w.u64(s.id);
    w.bytes(s.address, std::strlen(s.address) + 1);
    w.u8(static_cast<std::uint8_t>(s.role));
  }
  w.out.resize((w.out.size() + 7) / 8 * 8, '\0');
  return std::move(w.out);
}

bool decode_configuration(std::string_view bytes, raft_configuration& out) {
  reader r{bytes};
  if (r.u8() != 1) return false;
  const std::uint64_t n = r.u64();
  if (!r.ok || n > max_servers || n > r.in.size() / 10) return false;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t id = r.u64();
    const auto end = r.in.find('\0');
    if (!r.ok || end == std::string_view::npos) break;
    const std::string address(r.take(end + 1).substr(0, end));
    const std::uint8_t role = r.u8();
    if (!r.ok || raft_configuration_add(&out, id, address.c_str(), role) != 0) break;
    if (i + 1 == n) return true;
  }
  if (n == 0) return true;
  raft_configuration_close(&out);
  raft_configuration_init(&out);
  return false;
}

} // namespace chat::replication::wire
