// Server clock offset from ping/pong round trips, keeping the sample with the
// shortest round trip (the least uncertain). Winks start at the server's
// playAt, converted to this browser's clock.
export class ServerClock {
  constructor() {
    this.offsetMs = 0;
    this.bestRttMs = Infinity;
  }

  sample(sentAt, serverTs, receivedAt) {
    const rtt = receivedAt - sentAt;
    if (rtt < 0 || rtt > this.bestRttMs) return;
    this.bestRttMs = rtt;
    this.offsetMs = serverTs - (sentAt + rtt / 2);
  }

  toLocal(serverTs) {
    return serverTs - this.offsetMs;
  }
}
