package org.npffn.eval.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * y = gelu(x W1 + b1) W2 + b2 and its backward, in double precision with plain ND4J products (fresh arrays, no
 * scratch buffers, no row blocks, no parallel parts): the reference the dense FFN's and the MoE experts' kernels
 * are checked against. gelu(z) = z·σ(1.702 z), the sigmoid form the layers define (FfnKernel).
 *
 * @param x [n, d] input rows
 * @param pre [n, h] x W1 + b1
 * @param sig [n, h] σ(1.702 pre)
 * @param hid [n, h] gelu(pre)
 * @param y [n, d]
 */
record PlainFfn(INDArray x, INDArray pre, INDArray sig, INDArray hid, INDArray y) {
  private static final double SLOPE = 1.702;

  /** Gradients of one backward: dW1 [d, h], db1 [1, h], dW2 [h, d], db2 [1, d], dx [n, d]. */
  record Grads(INDArray dW1, INDArray db1, INDArray dW2, INDArray db2, INDArray dx) {}

  static PlainFfn forward(INDArray x, INDArray w1, INDArray b1, INDArray w2, INDArray b2) {
    INDArray xd = x.castTo(DataType.DOUBLE);
    INDArray pre = xd.mmul(w1.castTo(DataType.DOUBLE)).addRowVector(b1.castTo(DataType.DOUBLE));
    INDArray sig = Transforms.sigmoid(pre.mul(SLOPE), false);
    INDArray hid = pre.mul(sig);
    INDArray y = hid.mmul(w2.castTo(DataType.DOUBLE)).addRowVector(b2.castTo(DataType.DOUBLE));
    return new PlainFfn(xd, pre, sig, hid, y);
  }

  /** Backward for dL/dy {@code dy} [n, d], W1 and W2 as in the forward. */
  Grads backward(INDArray dy, INDArray w1, INDArray w2) {
    INDArray dyd = dy.castTo(DataType.DOUBLE);
    // forward was y = hid W2 + b2
    INDArray dW2 = hid.transpose().mmul(dyd);
    INDArray db2 = dyd.sum(true, 0);
    INDArray dHid = dyd.mmul(w2.castTo(DataType.DOUBLE).transpose());
    // forward was hid = pre·s, s = σ(1.702 pre): dhid/dpre = s + 1.702·pre·s·(1 - s)
    INDArray dPre = dHid.mul(sig.add(pre.mul(sig).mul(sig.rsub(1.0)).mul(SLOPE)));
    // forward was pre = x W1 + b1
    INDArray dW1 = x.transpose().mmul(dPre);
    INDArray db1 = dPre.sum(true, 0);
    INDArray dx = dPre.mmul(w1.castTo(DataType.DOUBLE).transpose());
    return new Grads(dW1, db1, dW2, db2, dx);
  }
}
