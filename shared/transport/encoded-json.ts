/**
 * A value already written as JSON text: the writer puts `text` into the
 * message as it is (see message-writer). The worker encodes large results in
 * slices this way (worker/rpc/sliced-encoding), so no single turn of its
 * event loop is spent stringifying one answer.
 */
export class EncodedJson {
  constructor(readonly text: string) {}

  /** Anything else that stringifies the message (a log, a test) still gets the value. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
