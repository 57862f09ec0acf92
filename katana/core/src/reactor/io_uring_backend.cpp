// io_uring backend: completion-driven I/O, not readiness polling through the ring.
//
//  - Listeners: one multishot accept per listener; accepted sockets come back non-blocking and
//    close-on-exec straight from the kernel.
//  - Receiving: one multishot recv per stream, buffers picked by the kernel from a provided-buffer
//    ring owned by this backend. Every completion is copied into the stream's read_space() and the
//    buffer goes back to the ring at once, so the ring only ever lends memory for the time of a
//    memcpy. Bytes that do not fit (the stream paused us) are "parked" — see below.
//  - Sending: IORING_OP_SENDMSG on the caller's iovec array; short sends resubmit the rest.
//  - Closing: the stream's operations are cancelled by user_data and the socket is closed by an
//    IORING_OP_CLOSE queued behind them, so the descriptor number stays ours until every queued
//    operation that names it has been issued (another thread cannot be handed the same number and
//    have our stale recv read its data). on_detached() follows the last completion that names
//    the stream.
//
// Threading: the ring is created disabled (IORING_SETUP_R_DISABLED) so that a reactor can be
// constructed on one thread and run on another; it is enabled — and, with
// IORING_SETUP_SINGLE_ISSUER, bound to the calling thread — by the first poll(). Before that,
// any single thread may add listeners/streams/wake-ups: those only fill submission entries.
//
// user_data layout: object pointer | op (low 3 bits; io_stream and registration are 8-aligned).
// 0 marks completions we ignore (cancel and close results).
#include "reactor/io_backend.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

namespace katana::detail {
namespace {

// Submission queue depth. Large enough that a reactor's start-up registrations never fill it
// before the first poll() binds the ring to its thread.
constexpr unsigned sq_entries = 1024;
// Provided-buffer ring: buf_count buffers of buf_size bytes, 2 MiB per reactor.
constexpr unsigned buf_count = 256; // a power of two (kernel requirement); 1 MiB per reactor
constexpr unsigned buf_size = 4096;
constexpr unsigned short buf_group = 0;
// Parking a ring buffer (instead of copying its bytes out) is bounded so that paused streams can
// never starve the ring: past this many, leftovers are copied into heap spills.
constexpr unsigned max_parked_buffers = buf_count / 8;
// Heap spills in use at once; beyond that we fall back to parking ring buffers (never drop).
constexpr unsigned max_spills = 1024;
// CQEs handled per poll() before running resumed streams (fairness).
constexpr unsigned max_cqe_rounds = 4;

constexpr std::uint16_t no_chunk = 0xFFFF;
static_assert(buf_count + max_spills < no_chunk);

enum op : std::uint64_t { op_ignore = 0, op_recv = 1, op_send = 2, op_accept = 3, op_wakeup = 4, op_watch = 5 };
constexpr std::uint64_t op_mask = 7;
static_assert(alignof(io_stream) >= 8);

// io_stream::io_flags: low 16 bits are these flags, high 16 bits the index of the first parked
// chunk (no_chunk when none).
enum stream_flag : std::uint32_t {
    flag_closed = 1u << 0,
    flag_recv_armed = 1u << 1,      // a multishot recv is in flight
    flag_recv_cancelling = 1u << 2, // ...and a cancel for it has been queued
    flag_send_pending = 1u << 3,
    flag_read_paused = 1u << 4,  // read_space() was empty: wait for resume_reading()
    flag_read_done = 1u << 5,    // end of stream seen: never receive again
    flag_end_deferred = 1u << 6, // ...but on_read_end() waits for parked bytes to be delivered
    flag_on_ready = 1u << 7,     // linked into ready_ through io_ready_next
};
constexpr std::uint32_t flag_bits = 0xFFFF;
// io_stream::io_pending: low 8 bits count operations in flight that name the stream; bits 8..23
// keep the errno of a deferred on_read_end().
constexpr std::uint32_t pending_mask = 0xFF;

struct registration {
    enum class kind : std::uint8_t { listener, wakeup, watch } what;
    int fd;
    io_listener* listener = nullptr;
    void (*callback)(void*) noexcept = nullptr;
    void* context = nullptr;
    bool active = true; // listener: remove_listener() not called yet (watch: remove_watch())
    bool armed = false; // a multishot accept/poll is in flight
    // Watches: one-shot POLL_ADD re-armed after each completion, which makes them
    // level-triggered. A changed interest cancels the armed poll; its completion re-arms.
    bool cancelling = false;
    std::uint32_t interest = 0;
    std::uint32_t armed_interest = 0;
    watch_callback on_watch = nullptr;
};

unsigned poll_mask(std::uint32_t interest) noexcept {
    unsigned mask = 0;
    if ((interest & watch_readable) != 0) mask |= POLLIN | POLLRDHUP;
    if ((interest & watch_writable) != 0) mask |= POLLOUT;
    return mask;
}
static_assert(alignof(registration) >= 8);

// A stretch of received bytes waiting for a paused stream. Index < buf_count: the ring buffer of
// that id is held; otherwise a heap copy (`base` owned, freed on release).
struct chunk {
    char* base = nullptr;
    char* data = nullptr;
    std::uint32_t len = 0;
    std::uint16_t next = no_chunk;
};

std::uint64_t tag(const void* p, op o) noexcept { return reinterpret_cast<std::uintptr_t>(p) | o; }

class io_uring_backend final : public io_backend {
public:
    io_uring_backend() = default;
    io_uring_backend(const io_uring_backend&) = delete;
    io_uring_backend& operator=(const io_uring_backend&) = delete;

    ~io_uring_backend() override {
        if (ring_ready_) {
            if (enabled_ && (compat_ || owner_ == std::this_thread::get_id())) {
                drain_for_shutdown();
            } else {
                close_unsubmitted_fds();
            }
            io_uring_queue_exit(&ring_);
        }
        // The ring is gone, and with it every reference to a stream: hand back those whose
        // operations never completed (off the ring's thread we cannot wait for them).
        while (closing_ != nullptr) {
            io_stream& s = *closing_;
            unlink_closing(s);
            push_detached(s);
        }
        flush_detached();
        for (registration* reg : registrations_) delete reg;
        for (std::size_t i = buf_count; i < chunks_.size(); ++i) delete[] chunks_[i].base;
        if (region_ != nullptr) ::munmap(region_, region_size());
    }

    // Two-phase set-up so that the factory can report why io_uring is unusable.
    bool init(std::string& error) {
        if (!setup_ring(error)) return false;
        if (!check_features(error)) return false;
        if (!setup_buffers(error)) return false;
        chunks_.resize(buf_count + max_spills);
        free_spills_.reserve(max_spills);
        for (unsigned i = 0; i < max_spills; ++i) {
            free_spills_.push_back(static_cast<std::uint16_t>(buf_count + max_spills - 1 - i));
        }
        registrations_.reserve(8);
        return true;
    }

    std::string_view name() const noexcept override { return "io_uring"; }

    bool add_listener(int fd, io_listener& listener) noexcept override {
        auto* reg = new (std::nothrow) registration{registration::kind::listener, fd, &listener};
        if (reg == nullptr) return false;
        if (!push_registration(reg)) return false;
        if (!arm_accept(*reg)) {
            drop_registration(reg);
            return false;
        }
        return true;
    }

    void remove_listener(int fd) noexcept override {
        for (registration* reg : registrations_) {
            if (reg->what != registration::kind::listener || reg->fd != fd || !reg->active) continue;
            reg->active = false;
            if (!reg->armed) continue;
            // The caller closes the socket right after we return. An accept not yet handed to
            // the kernel would then run on a closed (or reused) descriptor: turn it into a no-op.
            if (neutralise_unsubmitted(tag(reg, op_accept))) {
                reg->armed = false;
                --inflight_;
                continue;
            }
            if (io_uring_sqe* sqe = get_sqe()) {
                io_uring_prep_cancel64(sqe, tag(reg, op_accept), 0);
                io_uring_sqe_set_data64(sqe, op_ignore);
                // Cancel now (cancellation runs inline at submission) so the socket is idle by
                // the time it is closed. Fails harmlessly off the reactor thread; the
                // completion handler then closes whatever the accept still delivers.
                if (enabled_) io_uring_submit(&ring_);
            }
        }
        // Freed from poll(), never here: we may be inside this listener's on_accept().
        sweep_needed_ = true;
    }

    bool add_stream(io_stream& s) noexcept override {
        s.io_flags = std::uint32_t{no_chunk} << 16;
        s.io_pending = 0;
        s.send_iovcnt = 0;
        return arm_recv(s);
    }

    void resume_reading(io_stream& s) noexcept override {
        if ((s.io_flags & flag_read_paused) == 0 || (s.io_flags & flag_closed) != 0) return;
        s.io_flags &= ~flag_read_paused;
        if (parked_head(s) == no_chunk && (s.io_flags & flag_end_deferred) == 0) {
            maybe_arm(s); // only queues an SQE: no callback from inside this call
        } else {
            make_ready(s); // parked bytes are delivered from poll()
        }
    }

    send_status send(io_stream& s, std::span<iovec> iov) noexcept override {
        if ((s.io_flags & flag_closed) != 0) return send_status::failed;
        s.send_iov = iov.data();
        s.send_iovcnt = iov.size();
        skip_sent(s, 0);
        if (s.send_iovcnt == 0) return send_status::done;
        if (!submit_send(s)) {
            s.send_iovcnt = 0;
            return send_status::failed;
        }
        return send_status::pending;
    }

    void close_stream(io_stream& s) noexcept override {
        if ((s.io_flags & flag_closed) != 0) return;
        s.io_flags |= flag_closed;
        release_parked(s);
        s.io_flags &= ~flag_end_deferred;
        if ((s.io_flags & flag_recv_armed) != 0) cancel_recv(s);
        if ((s.io_flags & flag_send_pending) != 0) queue_cancel(tag(&s, op_send));
        // Closed through the ring, after the cancels: see the file comment.
        if (io_uring_sqe* sqe = get_sqe()) {
            io_uring_prep_close(sqe, s.fd);
            io_uring_sqe_set_data64(sqe, op_ignore);
        } else {
            // No SQE even after submitting: stop the socket synchronously; pending ops finish
            // with EOF / EPIPE.
            ::shutdown(s.fd, SHUT_RDWR);
            ::close(s.fd);
        }
        s.fd = -1;
        if ((s.io_flags & flag_on_ready) != 0) unlink_ready(s);
        if ((s.io_pending & pending_mask) == 0) {
            push_detached(s);
        } else {
            link_closing(s);
        }
    }

    bool add_wakeup(int fd, void (*callback)(void*) noexcept, void* context) noexcept override {
        auto* reg = new (std::nothrow) registration{registration::kind::wakeup, fd, nullptr, callback, context};
        if (reg == nullptr) return false;
        if (!push_registration(reg)) return false;
        if (!arm_wakeup(*reg)) {
            drop_registration(reg);
            return false;
        }
        return true;
    }

    io_watch* add_watch(int fd, std::uint32_t interest, watch_callback callback, void* context) noexcept override {
        auto* reg = new (std::nothrow) registration{registration::kind::watch, fd, nullptr, nullptr, context};
        if (reg == nullptr) return nullptr;
        reg->on_watch = callback;
        reg->interest = interest;
        if (!push_registration(reg)) return nullptr;
        if (interest != 0 && !arm_watch(*reg)) {
            drop_registration(reg);
            return nullptr;
        }
        return reinterpret_cast<io_watch*>(reg);
    }

    bool modify_watch(io_watch* watch, std::uint32_t interest) noexcept override {
        auto& reg = *reinterpret_cast<registration*>(watch);
        if (!reg.active) return false;
        reg.interest = interest;
        if (reg.armed) {
            if (reg.armed_interest != interest && !reg.cancelling) {
                reg.cancelling = true;
                queue_cancel(tag(&reg, op_watch)); // the -ECANCELED completion re-arms
            }
            return true;
        }
        return interest == 0 || arm_watch(reg);
    }

    void remove_watch(io_watch* watch) noexcept override {
        auto& reg = *reinterpret_cast<registration*>(watch);
        if (!reg.active) return;
        reg.active = false;
        if (reg.armed) {
            if (neutralise_unsubmitted(tag(&reg, op_watch))) {
                reg.armed = false;
                --inflight_;
            } else if (!reg.cancelling) {
                reg.cancelling = true;
                queue_cancel(tag(&reg, op_watch));
            }
        }
        sweep_needed_ = true; // freed once its poll has completed
    }

    void poll(std::optional<std::chrono::milliseconds> timeout) noexcept override {
        ensure_enabled();
        io_uring_cqe* cqe = nullptr;
        if (ready_ != nullptr) timeout = std::chrono::milliseconds(0);
        if (timeout) {
            const auto ms = std::max<std::int64_t>(0, timeout->count());
            __kernel_timespec ts{};
            ts.tv_sec = ms / 1000;
            ts.tv_nsec = (ms % 1000) * 1'000'000;
            io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
        } else {
            io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
        }
        // -ETIME / -EINTR simply mean nothing (more) arrived; anything available is handled.
        process_completions();
        run_ready();
        flush_detached();
        if (sweep_needed_) sweep_registrations();
    }

private:
    // ---- set-up ---------------------------------------------------------------------------

    bool setup_ring(std::string& error) {
        io_uring_params p{};
        p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN |
                  IORING_SETUP_R_DISABLED;
        int rc = io_uring_queue_init_params(sq_entries, &ring_, &p);
        if (rc == -EINVAL) {
            // Kernels before 6.1 lack DEFER_TASKRUN/SINGLE_ISSUER. Without SINGLE_ISSUER the
            // ring may be driven from any thread, so it needs no deferred enabling.
            p = io_uring_params{};
            p.flags = IORING_SETUP_COOP_TASKRUN;
            rc = io_uring_queue_init_params(sq_entries, &ring_, &p);
            if (rc == -EINVAL) {
                p = io_uring_params{};
                rc = io_uring_queue_init_params(sq_entries, &ring_, &p);
            }
            compat_ = true;
        }
        if (rc < 0) {
            error = "io_uring_queue_init: " + std::string(std::strerror(-rc));
            if (rc == -ENOSYS) error += " (kernel built without io_uring, or blocked by seccomp)";
            if (rc == -EPERM) error += " (kernel.io_uring_disabled=" + read_disabled_sysctl() + ")";
            return false;
        }
        ring_ready_ = true;
        enabled_ = compat_;
        features_ = p.features;
        return true;
    }

    bool check_features(std::string& error) {
        struct need {
            std::uint32_t bit;
            const char* name;
        };
        static constexpr need features[] = {
            {IORING_FEAT_FAST_POLL, "IORING_FEAT_FAST_POLL"},
            {IORING_FEAT_NODROP, "IORING_FEAT_NODROP"},
            {IORING_FEAT_EXT_ARG, "IORING_FEAT_EXT_ARG"},
        };
        for (const need& n : features) {
            if ((features_ & n.bit) == 0) {
                error = std::string("kernel lacks ") + n.name;
                return false;
            }
        }
        io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
        if (probe == nullptr) {
            error = "io_uring opcode probe failed";
            return false;
        }
        static constexpr std::pair<int, const char*> ops[] = {
            {IORING_OP_ACCEPT, "ACCEPT"}, {IORING_OP_RECV, "RECV"},           {IORING_OP_SENDMSG, "SENDMSG"},
            {IORING_OP_CLOSE, "CLOSE"},   {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"}, {IORING_OP_POLL_ADD, "POLL_ADD"},
        };
        bool ok = true;
        for (const auto& [code, label] : ops) {
            if (!io_uring_opcode_supported(probe, code)) {
                error = std::string("kernel lacks IORING_OP_") + label;
                ok = false;
                break;
            }
        }
        io_uring_free_probe(probe);
        if (!ok) return false;
        // Multishot accept/recv (5.19 / 6.0) have no feature bit. A ring that accepted
        // DEFER_TASKRUN is 6.1+; otherwise try them on a socket pair.
        if (compat_ && !self_test_multishot(error)) return false;
        return true;
    }

    bool self_test_multishot(std::string& error) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
            error = std::string("socketpair: ") + std::strerror(errno);
            return false;
        }
        // Runs before any buffer group exists, so a kernel that knows multishot recv answers
        // ENOBUFS; one that does not answers EINVAL.
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        io_uring_prep_recv_multishot(sqe, sv[0], nullptr, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buf_group;
        io_uring_sqe_set_data64(sqe, 1);
        bool ok = false;
        if (::write(sv[1], "x", 1) == 1) {
            io_uring_cqe* cqe = nullptr;
            __kernel_timespec ts{};
            ts.tv_nsec = 200'000'000;
            if (io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr) >= 0 && cqe != nullptr) {
                ok = cqe->res != -EINVAL;
                io_uring_cqe_seen(&ring_, cqe);
            }
        }
        ::close(sv[0]);
        ::close(sv[1]);
        if (!ok) error = "kernel lacks multishot recv (Linux 6.0+)";
        return ok;
    }

    static std::size_t ring_bytes() noexcept { return sizeof(io_uring_buf) * buf_count; }
    static std::size_t region_size() noexcept { return ring_bytes() + std::size_t{buf_count} * buf_size; }

    bool setup_buffers(std::string& error) {
        void* mem = ::mmap(nullptr, region_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) {
            error = std::string("mmap of the receive buffers: ") + std::strerror(errno);
            return false;
        }
        region_ = mem;
        br_ = static_cast<io_uring_buf_ring*>(mem);
        buffers_ = static_cast<char*>(mem) + ring_bytes();
        io_uring_buf_ring_init(br_);
        io_uring_buf_reg reg{};
        reg.ring_addr = reinterpret_cast<std::uintptr_t>(br_);
        reg.ring_entries = buf_count;
        reg.bgid = buf_group;
        const int rc = io_uring_register_buf_ring(&ring_, &reg, 0);
        if (rc < 0) {
            error = "io_uring_register_buf_ring: " + std::string(std::strerror(-rc)) + " (needs Linux 5.19+)";
            return false;
        }
        const int mask = io_uring_buf_ring_mask(buf_count);
        for (unsigned i = 0; i < buf_count; ++i) {
            io_uring_buf_ring_add(br_, buffer(i), buf_size, static_cast<unsigned short>(i), mask, static_cast<int>(i));
        }
        io_uring_buf_ring_advance(br_, static_cast<int>(buf_count));
        return true;
    }

    static std::string read_disabled_sysctl() {
        const int fd = ::open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return "?";
        char buf[16] = {};
        const ssize_t n = ::read(fd, buf, sizeof buf - 1);
        ::close(fd);
        if (n <= 0) return "?";
        std::string v(buf, static_cast<std::size_t>(n));
        while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
        return v;
    }

    // The ring starts disabled; the first thread that drives it becomes its only submitter.
    void ensure_enabled() noexcept {
        if (enabled_) return;
        enabled_ = true;
        owner_ = std::this_thread::get_id();
        // liburing 2.3 declares io_uring_enable_rings() but does not export it.
        ::syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
    }

    // ---- submission helpers ---------------------------------------------------------------

    // nullptr only when the kernel refuses submissions repeatedly.
    io_uring_sqe* get_sqe() noexcept {
        for (int attempt = 0; attempt < 4; ++attempt) {
            if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) return sqe;
            ensure_enabled(); // see file comment: the first submitter owns the ring
            io_uring_submit(&ring_);
        }
        return nullptr;
    }

    void queue_cancel(std::uint64_t target) noexcept {
        if (io_uring_sqe* sqe = get_sqe()) {
            io_uring_prep_cancel64(sqe, target, 0);
            io_uring_sqe_set_data64(sqe, op_ignore);
        }
    }

    // Rewrites not-yet-submitted SQEs carrying `user_data` into no-ops whose completion is
    // ignored. Only used on rare paths (listener removal): it scans the unsubmitted tail.
    bool neutralise_unsubmitted(std::uint64_t user_data) noexcept {
        bool found = false;
        const unsigned mask = ring_.sq.ring_mask;
        for (unsigned i = ring_.sq.sqe_head; i != ring_.sq.sqe_tail; ++i) {
            io_uring_sqe* sqe = &ring_.sq.sqes[i & mask];
            if (sqe->user_data == user_data) {
                io_uring_prep_nop(sqe);
                io_uring_sqe_set_data64(sqe, op_ignore);
                found = true;
            }
        }
        return found;
    }

    // When the ring is destroyed off its thread, queued closes would never run.
    void close_unsubmitted_fds() noexcept {
        const unsigned mask = ring_.sq.ring_mask;
        for (unsigned i = ring_.sq.sqe_head; i != ring_.sq.sqe_tail; ++i) {
            io_uring_sqe* sqe = &ring_.sq.sqes[i & mask];
            if (sqe->opcode == IORING_OP_CLOSE) ::close(sqe->fd);
            io_uring_prep_nop(sqe);
            io_uring_sqe_set_data64(sqe, op_ignore);
        }
    }

    static void add_pending(io_stream& s) noexcept { ++s.io_pending; }

    // One operation naming `s` has completed for good.
    void op_finished(io_stream& s) noexcept {
        --s.io_pending;
        --inflight_;
        if ((s.io_pending & pending_mask) == 0 && (s.io_flags & flag_closed) != 0) {
            unlink_closing(s);
            push_detached(s);
        }
    }

    // Closed streams still named by operations in flight. A closed stream is never on ready_, so
    // io_ready_next serves as the forward link and io_detached_next as the backward one until
    // the stream moves to detached_.
    void link_closing(io_stream& s) noexcept {
        s.io_ready_next = closing_;
        s.io_detached_next = nullptr;
        if (closing_ != nullptr) closing_->io_detached_next = &s;
        closing_ = &s;
    }

    void unlink_closing(io_stream& s) noexcept {
        io_stream* next = s.io_ready_next;
        io_stream* prev = s.io_detached_next;
        if (prev != nullptr) {
            prev->io_ready_next = next;
        } else {
            closing_ = next;
        }
        if (next != nullptr) next->io_detached_next = prev;
        s.io_ready_next = nullptr;
        s.io_detached_next = nullptr;
    }

    // ---- receiving ------------------------------------------------------------------------

    char* buffer(unsigned bid) const noexcept { return buffers_ + std::size_t{bid} * buf_size; }

    void recycle(unsigned bid) noexcept {
        io_uring_buf_ring_add(br_, buffer(bid), buf_size, static_cast<unsigned short>(bid),
                              io_uring_buf_ring_mask(buf_count), 0);
        io_uring_buf_ring_advance(br_, 1);
    }

    static std::uint16_t parked_head(const io_stream& s) noexcept {
        return static_cast<std::uint16_t>(s.io_flags >> 16);
    }
    static void set_parked_head(io_stream& s, std::uint16_t idx) noexcept {
        s.io_flags = (s.io_flags & flag_bits) | (std::uint32_t{idx} << 16);
    }

    bool arm_recv(io_stream& s) noexcept {
        io_uring_sqe* sqe = get_sqe();
        if (sqe == nullptr) return false;
        io_uring_prep_recv_multishot(sqe, s.fd, nullptr, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = buf_group;
        io_uring_sqe_set_data64(sqe, tag(&s, op_recv));
        s.io_flags |= flag_recv_armed;
        s.io_flags &= ~flag_recv_cancelling;
        add_pending(s);
        ++inflight_;
        return true;
    }

    // (Re-)arms the multishot recv when the stream wants bytes and none is in flight.
    void maybe_arm(io_stream& s) noexcept {
        constexpr std::uint32_t blockers =
            flag_closed | flag_recv_armed | flag_read_paused | flag_read_done | flag_end_deferred;
        if ((s.io_flags & blockers) != 0 || parked_head(s) != no_chunk) return;
        if (!arm_recv(s)) end_of_stream(s, ENOMEM);
    }

    void cancel_recv(io_stream& s) noexcept {
        if ((s.io_flags & flag_recv_cancelling) != 0) return;
        s.io_flags |= flag_recv_cancelling;
        queue_cancel(tag(&s, op_recv));
    }

    void pause(io_stream& s) noexcept {
        s.io_flags |= flag_read_paused;
        // A multishot recv would keep consuming the socket into buffers we would have to hold.
        if ((s.io_flags & flag_recv_armed) != 0) cancel_recv(s);
    }

    // Copies into the stream's read space until done, paused or closed; returns bytes consumed.
    std::size_t deliver(io_stream& s, const char* data, std::size_t len) noexcept {
        std::size_t done = 0;
        while (done < len && (s.io_flags & flag_closed) == 0) {
            const std::span<char> space = s.read_space();
            if (space.empty()) {
                pause(s);
                break;
            }
            const std::size_t n = std::min(space.size(), len - done);
            std::memcpy(space.data(), data + done, n);
            done += n;
            s.on_received(n);
        }
        return done;
    }

    void end_of_stream(io_stream& s, int error) noexcept {
        if ((s.io_flags & (flag_closed | flag_read_done)) != 0) return;
        s.io_flags |= flag_read_done;
        if (parked_head(s) != no_chunk || (s.io_flags & flag_read_paused) != 0) {
            // Bytes received before the end are delivered first (after resume_reading()).
            s.io_flags |= flag_end_deferred;
            s.io_pending = (s.io_pending & pending_mask) | (static_cast<std::uint32_t>(error & 0xFFFF) << 8);
            return;
        }
        s.on_read_end(error);
    }

    // Keeps bytes [data, data+len) of ring buffer `bid` for a paused stream. Takes the buffer.
    void park(io_stream& s, unsigned bid, char* data, std::size_t len) noexcept {
        std::uint16_t idx = no_chunk;
        if (parked_buffers_ >= max_parked_buffers && !free_spills_.empty()) {
            char* copy = new (std::nothrow) char[len];
            if (copy != nullptr) {
                std::memcpy(copy, data, len);
                idx = free_spills_.back();
                free_spills_.pop_back();
                chunks_[idx] = chunk{copy, copy, static_cast<std::uint32_t>(len), no_chunk};
                recycle(bid);
            }
        }
        if (idx == no_chunk) {
            // Within budget, or no memory for a copy: hold the ring buffer itself.
            idx = static_cast<std::uint16_t>(bid);
            chunks_[idx] = chunk{nullptr, data, static_cast<std::uint32_t>(len), no_chunk};
            ++parked_buffers_;
        }
        std::uint16_t head = parked_head(s);
        if (head == no_chunk) {
            set_parked_head(s, idx);
            return;
        }
        while (chunks_[head].next != no_chunk) head = chunks_[head].next;
        chunks_[head].next = idx;
    }

    void release_chunk(std::uint16_t idx) noexcept {
        chunk& c = chunks_[idx];
        if (idx < buf_count) {
            --parked_buffers_;
            recycle(idx);
        } else {
            delete[] c.base;
            free_spills_.push_back(idx);
        }
        c = chunk{};
    }

    void release_parked(io_stream& s) noexcept {
        std::uint16_t idx = parked_head(s);
        while (idx != no_chunk) {
            const std::uint16_t next = chunks_[idx].next;
            release_chunk(idx);
            idx = next;
        }
        set_parked_head(s, no_chunk);
    }

    void on_recv(io_stream& s, int res, std::uint32_t cflags) noexcept {
        const bool more = (cflags & IORING_CQE_F_MORE) != 0;
        if (!more) s.io_flags &= ~(flag_recv_armed | flag_recv_cancelling);
        if ((cflags & IORING_CQE_F_BUFFER) != 0) {
            const unsigned bid = cflags >> IORING_CQE_BUFFER_SHIFT;
            char* data = buffer(bid);
            const std::size_t len = res > 0 ? static_cast<std::size_t>(res) : 0;
            if ((s.io_flags & flag_closed) != 0 || len == 0) {
                recycle(bid);
            } else if (parked_head(s) != no_chunk || (s.io_flags & flag_read_paused) != 0) {
                park(s, bid, data, len); // keep order behind bytes already waiting
                if (more) cancel_recv(s);
            } else {
                const std::size_t used = deliver(s, data, len);
                if ((s.io_flags & flag_closed) != 0 || used == len) {
                    recycle(bid);
                    // The kernel tells us whether the socket still held bytes after this recv.
                    if ((s.io_flags & flag_closed) == 0 && (cflags & IORING_CQE_F_SOCK_NONEMPTY) == 0) {
                        s.on_read_drained();
                    }
                } else {
                    park(s, bid, data + used, len - used);
                }
            }
        } else if (res == 0) {
            end_of_stream(s, 0);
        } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED) {
            end_of_stream(s, -res);
        }
        // -ENOBUFS: the ring ran dry; the bytes stay in the socket and the recv is re-armed
        // below, after this batch has returned its buffers. -ECANCELED: we paused or closed.
        if (!more) {
            if ((s.io_flags & flag_closed) == 0) maybe_arm(s);
            op_finished(s);
        }
    }

    void make_ready(io_stream& s) noexcept {
        if ((s.io_flags & flag_on_ready) != 0) return;
        s.io_flags |= flag_on_ready;
        s.io_ready_next = ready_;
        ready_ = &s;
    }

    // Delivers parked bytes of resumed streams, then their deferred end or a fresh recv.
    void run_ready() noexcept {
        // This round's streams; later resumes wait for the next poll(). A member, so that
        // close_stream() from a callback can unlink a stream still waiting here.
        running_ = ready_;
        ready_ = nullptr;
        while (running_ != nullptr) {
            io_stream& s = *running_;
            running_ = s.io_ready_next;
            s.io_flags &= ~flag_on_ready;
            if ((s.io_flags & (flag_closed | flag_read_paused)) != 0) continue;
            std::uint16_t idx = parked_head(s);
            while (idx != no_chunk) {
                const std::size_t used = deliver(s, chunks_[idx].data, chunks_[idx].len);
                if ((s.io_flags & flag_closed) != 0) break; // close_stream released the chain
                chunk& c = chunks_[idx];
                c.data += used;
                c.len -= static_cast<std::uint32_t>(used);
                if (c.len != 0) break; // paused again
                const std::uint16_t next = c.next;
                release_chunk(idx);
                set_parked_head(s, next);
                idx = next;
            }
            if ((s.io_flags & (flag_closed | flag_read_paused)) != 0 || parked_head(s) != no_chunk) continue;
            if ((s.io_flags & flag_end_deferred) != 0) {
                s.io_flags &= ~flag_end_deferred;
                const int error = static_cast<int>((s.io_pending >> 8) & 0xFFFF);
                s.io_pending &= pending_mask;
                s.on_read_end(error);
            } else {
                maybe_arm(s);
            }
        }
    }

    // ---- sending --------------------------------------------------------------------------

    bool submit_send(io_stream& s) noexcept {
        io_uring_sqe* sqe = get_sqe();
        if (sqe == nullptr) return false;
        s.send_msg = msghdr{};
        s.send_msg.msg_iov = s.send_iov;
        s.send_msg.msg_iovlen = std::min<std::size_t>(s.send_iovcnt, IOV_MAX);
        io_uring_prep_sendmsg(sqe, s.fd, &s.send_msg, MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, tag(&s, op_send));
        s.io_flags |= flag_send_pending;
        add_pending(s);
        ++inflight_;
        return true;
    }

    void on_send(io_stream& s, int res) noexcept {
        int error = 0;
        bool finished = true;
        if ((s.io_flags & flag_closed) == 0) {
            if (res == -EINTR || res == -EAGAIN) {
                finished = false;
            } else if (res < 0) {
                error = -res;
            } else if (res == 0) {
                error = EPIPE; // no progress on a non-empty send: never loop on it
            } else {
                skip_sent(s, static_cast<std::size_t>(res));
                finished = s.send_iovcnt == 0;
            }
        }
        if (!finished) {
            --s.io_pending; // the resubmission counts itself again
            --inflight_;
            if (submit_send(s)) return;
            error = ENOMEM;
        }
        s.io_flags &= ~flag_send_pending;
        s.send_iovcnt = 0;
        const bool closed = (s.io_flags & flag_closed) != 0;
        if (finished) op_finished(s);
        // After the accounting: the callback may close the stream or start the next send.
        if (!closed) s.on_send_done(error);
    }

    // ---- listeners and wake-ups -----------------------------------------------------------

    bool push_registration(registration* reg) noexcept {
        try {
            registrations_.push_back(reg);
        } catch (...) {
            delete reg;
            return false;
        }
        return true;
    }

    void drop_registration(registration* reg) noexcept {
        std::erase(registrations_, reg);
        delete reg;
    }

    // Frees removed listeners whose accept has completed for good.
    void sweep_registrations() noexcept {
        sweep_needed_ = false;
        std::erase_if(registrations_, [](registration* reg) {
            if (reg->active || reg->armed) return false;
            delete reg;
            return true;
        });
    }

    bool arm_accept(registration& reg) noexcept {
        io_uring_sqe* sqe = get_sqe();
        if (sqe == nullptr) return false;
        io_uring_prep_multishot_accept(sqe, reg.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, tag(&reg, op_accept));
        reg.armed = true;
        ++inflight_;
        return true;
    }

    bool arm_wakeup(registration& reg) noexcept {
        io_uring_sqe* sqe = get_sqe();
        if (sqe == nullptr) return false;
        io_uring_prep_poll_multishot(sqe, reg.fd, POLLIN);
        io_uring_sqe_set_data64(sqe, tag(&reg, op_wakeup));
        reg.armed = true;
        ++inflight_;
        return true;
    }

    bool arm_watch(registration& reg) noexcept {
        io_uring_sqe* sqe = get_sqe();
        if (sqe == nullptr) return false;
        io_uring_prep_poll_add(sqe, reg.fd, poll_mask(reg.interest));
        io_uring_sqe_set_data64(sqe, tag(&reg, op_watch));
        reg.armed = true;
        reg.cancelling = false;
        reg.armed_interest = reg.interest;
        ++inflight_;
        return true;
    }

    void on_watch(registration& reg, int res) noexcept {
        reg.armed = false;
        reg.cancelling = false;
        --inflight_;
        if (!reg.active || shutting_down_) return;
        if (res > 0) {
            const auto revents = static_cast<unsigned>(res);
            std::uint32_t events = 0;
            if ((revents & POLLIN) != 0) events |= watch_readable;
            if ((revents & POLLOUT) != 0) events |= watch_writable;
            if ((revents & (POLLERR | POLLHUP | POLLRDHUP | POLLNVAL)) != 0) events |= watch_error | watch_readable;
            reg.on_watch(reg.context, events & (reg.interest | watch_error | watch_readable));
        } else if (res < 0 && res != -ECANCELED) {
            // The descriptor itself is unusable (EBADF...): report once and stop, or re-arming
            // would spin. The owner is expected to remove the watch.
            reg.on_watch(reg.context, watch_error | watch_readable);
            return;
        }
        if (reg.active && reg.interest != 0 && !reg.armed) arm_watch(reg);
    }

    void on_accept(registration& reg, int res, std::uint32_t cflags) noexcept {
        const bool more = (cflags & IORING_CQE_F_MORE) != 0;
        if (!more) {
            reg.armed = false;
            --inflight_;
        }
        if (res >= 0) {
            if (reg.active && !shutting_down_) {
                reg.listener->on_accept(res);
            } else {
                ::close(res); // raced with remove_listener(): nobody wants it
            }
        } else if (res != -ECANCELED && reg.active && !shutting_down_) {
            reg.listener->on_accept_error(-res);
        }
        if (!more) {
            // Errors such as EMFILE end the multishot; the interface promises to keep accepting.
            if (reg.active && !shutting_down_ && !arm_accept(reg)) reg.listener->on_accept_error(ENOMEM);
        }
    }

    void on_wakeup(registration& reg, int res, std::uint32_t cflags) noexcept {
        const bool more = (cflags & IORING_CQE_F_MORE) != 0;
        if (!more) {
            reg.armed = false;
            --inflight_;
        }
        if (shutting_down_) return;
        if (res > 0) {
            // eventfd read resets the counter; one read drains it (and never blocks: it polled
            // readable and only we read it).
            std::uint64_t count;
            [[maybe_unused]] const ssize_t n = ::read(reg.fd, &count, sizeof count);
            reg.callback(reg.context);
        }
        if (!more && res >= 0) arm_wakeup(reg);
    }

    // ---- completion loop ------------------------------------------------------------------

    void dispatch(std::uint64_t user_data, int res, std::uint32_t cflags) noexcept {
        const auto kind = static_cast<op>(user_data & op_mask);
        void* obj = reinterpret_cast<void*>(static_cast<std::uintptr_t>(user_data & ~op_mask));
        switch (kind) {
        case op_recv: {
            auto& s = *static_cast<io_stream*>(obj);
            if (shutting_down_) {
                if ((cflags & IORING_CQE_F_BUFFER) != 0) recycle(cflags >> IORING_CQE_BUFFER_SHIFT);
                if ((cflags & IORING_CQE_F_MORE) == 0) {
                    s.io_flags &= ~(flag_recv_armed | flag_recv_cancelling);
                    op_finished(s);
                }
                return;
            }
            on_recv(s, res, cflags);
            return;
        }
        case op_send: {
            auto& s = *static_cast<io_stream*>(obj);
            if (shutting_down_) {
                s.io_flags &= ~flag_send_pending;
                op_finished(s);
                return;
            }
            on_send(s, res);
            return;
        }
        case op_accept: on_accept(*static_cast<registration*>(obj), res, cflags); return;
        case op_wakeup: on_wakeup(*static_cast<registration*>(obj), res, cflags); return;
        case op_watch: on_watch(*static_cast<registration*>(obj), res); return;
        case op_ignore: return;
        }
    }

    void process_completions() noexcept {
        for (unsigned round = 0; round < max_cqe_rounds; ++round) {
            unsigned head;
            unsigned seen = 0;
            io_uring_cqe* cqe;
            io_uring_for_each_cqe(&ring_, head, cqe) {
                // Copy out first: handlers may submit, and the slot is ours only until advanced.
                const std::uint64_t user_data = cqe->user_data;
                const int res = cqe->res;
                const std::uint32_t cflags = cqe->flags;
                ++seen;
                dispatch(user_data, res, cflags);
                if (seen == ring_.cq.ring_entries) break;
            }
            if (seen == 0) return;
            io_uring_cq_advance(&ring_, seen);
        }
    }

    void push_detached(io_stream& s) noexcept {
        s.io_detached_next = detached_;
        detached_ = &s;
    }

    void flush_detached() noexcept {
        while (detached_ != nullptr) {
            io_stream* s = detached_;
            detached_ = s->io_detached_next;
            s->on_detached();
        }
    }

    void unlink_ready(io_stream& s) noexcept {
        for (io_stream** list : {&ready_, &running_}) {
            for (io_stream** at = list; *at != nullptr; at = &(*at)->io_ready_next) {
                if (*at == &s) {
                    *at = s.io_ready_next;
                    s.io_flags &= ~flag_on_ready;
                    return;
                }
            }
        }
    }

    // Destructor on the ring's own thread: cancel everything and wait (bounded) for the kernel to
    // let go of streams and buffers, so closed streams still get on_detached().
    void drain_for_shutdown() noexcept {
        shutting_down_ = true;
        if (io_uring_sqe* sqe = get_sqe()) {
            io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
            io_uring_sqe_set_data64(sqe, op_ignore);
        }
        for (int i = 0; i < 100 && inflight_ > 0; ++i) {
            io_uring_cqe* cqe = nullptr;
            __kernel_timespec ts{};
            ts.tv_nsec = 10'000'000;
            io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
            process_completions();
        }
    }

    io_uring ring_{};
    bool ring_ready_ = false;
    bool enabled_ = false;
    bool compat_ = false; // set up without SINGLE_ISSUER/DEFER_TASKRUN
    bool shutting_down_ = false;
    bool sweep_needed_ = false;
    std::uint32_t features_ = 0;
    std::thread::id owner_{};
    void* region_ = nullptr; // buffer ring descriptors followed by the buffers themselves
    io_uring_buf_ring* br_ = nullptr;
    char* buffers_ = nullptr;
    unsigned parked_buffers_ = 0;
    std::vector<chunk> chunks_;               // fixed size: buf_count ring slots, then spills
    std::vector<std::uint16_t> free_spills_; // capacity reserved up front: never reallocates
    std::vector<registration*> registrations_;
    std::size_t inflight_ = 0; // operations the kernel still holds, for shutdown
    io_stream* ready_ = nullptr;   // streams with parked bytes or a deferred end to deliver
    io_stream* running_ = nullptr; // the part of ready_ that run_ready() is working through
    io_stream* detached_ = nullptr;
    io_stream* closing_ = nullptr; // closed, operations still in flight
};

} // namespace

std::unique_ptr<io_backend> make_io_uring_backend(std::string& error) {
    auto backend = std::make_unique<io_uring_backend>();
    if (!backend->init(error)) return nullptr;
    return backend;
}

} // namespace katana::detail
