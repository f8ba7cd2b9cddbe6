// The seqs a conversation window shows, kept sorted. A message arriving twice
// (live and again in a resume's history) is shown once, in seq order.
export class SeqLog {
  constructor() {
    this.seqs = [];
  }

  // Index at which to insert this seq, or -1 if it is already shown.
  insert(seq) {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    if (this.seqs[lo] === seq) return -1;
    this.seqs.splice(lo, 0, seq);
    return lo;
  }

  has(seq) {
    return this.seqs.includes(seq);
  }

  remove(seq) {
    const index = this.seqs.indexOf(seq);
    if (index >= 0) this.seqs.splice(index, 1);
    return index;
  }

  get lastSeq() {
    return this.seqs.length ? this.seqs[this.seqs.length - 1] : 0;
  }

  get firstSeq() {
    return this.seqs.length ? this.seqs[0] : 0;
  }
}
