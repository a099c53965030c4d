// The WebSocket: a ticket (POST /ws/ticket), then GET /ws?ticket=…; reconnects
// by itself with exponential backoff and jitter, pings to notice dead links,
// and answers client frames that carry an `id` through promises.
import { api, ApiError } from './api.js';

const PING_EVERY = 20_000;
const ANSWER_TIMEOUT = 10_000;
const MAX_BACKOFF = 15_000;

export class Socket extends EventTarget {
  constructor() {
    super();
    this.state = 'offline'; // offline | connecting | online | stopped
    this.retryAt = 0;
    this.attempt = 0;
    this.ws = null;
    this.nextId = 1;
    this.waiting = new Map(); // id → {resolve, reject, timer}
    this.timer = null;
    this.pinger = null;
    window.addEventListener('online', () => this.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.retryNow();
    });
  }

  setState(state, detail = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...detail } }));
  }

  start() {
    if (this.state === 'online' || this.state === 'connecting') return;
    this.stopped = false;
    this.connect();
  }

  /** Closes for good (logout). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.teardown();
    this.setState('stopped');
  }

  retryNow() {
    if (this.stopped || this.state !== 'offline') return;
    clearTimeout(this.timer);
    this.connect();
  }

  async connect() {
    this.setState('connecting');
    let ticket;
    try {
      ticket = (await api.ticket()).ticket;
    } catch (e) {
      if (e.status === 401) return this.ended('unauthorized');
      return this.backoff(e);
    }
    if (this.stopped) return;
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws?ticket=${encodeURIComponent(ticket)}`);
    this.ws = ws;
    ws.onmessage = (e) => this.onFrame(e.data);
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.teardown();
      if (e.code === 4001) return this.ended('session_ended');
      if (!this.stopped) this.backoff(new ApiError(0, 'network'), e.code);
    };
  }

  ended(reason) {
    this.stopped = true;
    this.setState('stopped');
    this.dispatchEvent(new CustomEvent('ended', { detail: { reason } }));
  }

  backoff(error, closeCode) {
    const base = Math.min(MAX_BACKOFF, 500 * 2 ** this.attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.setState('offline', { error, closeCode, retryAt: this.retryAt });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  teardown() {
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new ApiError(0, 'network', 'connection lost'));
    }
    this.waiting.clear();
  }

  onFrame(text) {
    let f;
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (f.type === 'hello') {
      this.attempt = 0;
      this.setState('online', { node: f.node });
      this.pinger = setInterval(() => this.ping(), PING_EVERY);
    }
    if (f.re !== undefined && this.waiting.has(f.re)) {
      const w = this.waiting.get(f.re);
      this.waiting.delete(f.re);
      clearTimeout(w.timer);
      if (f.type === 'error') w.reject(new ApiError(0, f.code, f.message));
      else w.resolve(f);
      return;
    }
    this.dispatchEvent(new CustomEvent('frame', { detail: f }));
  }

  /** Sends a frame without waiting (typing, read); false when offline. */
  post(frame) {
    if (this.state !== 'online') return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Sends a frame with an id and resolves with the answer (rejects on an
   *  error frame, a timeout or a lost connection). */
  request(frame) {
    if (this.state !== 'online') return Promise.reject(new ApiError(0, 'network', 'offline'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ApiError(0, 'timeout'));
      }, ANSWER_TIMEOUT);
      this.waiting.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  async ping() {
    try {
      await this.request({ type: 'ping' });
    } catch (e) {
      // No pong in time: the link is dead even if TCP has not noticed.
      if (e.code === 'timeout' && this.ws) {
        this.teardown();
        this.backoff(e);
      }
    }
  }
}
