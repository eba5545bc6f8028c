// The seed's OrdersController (EF Core rowversion + retries + 409) with noclobber and Express.
import express from 'express';
import { type DocumentStore, RetryExhaustedError } from 'noclobber';

export interface Order {
  id: string;
  productId: number;
  quantity: number;
  status: string;
  version?: number;
}

interface UpdateOrderRequest {
  productId: number;
  quantity: number;
  status: string;
}

/** PUT /api/orders/:id: load, apply, save with a version check; up to 3 attempts, then 409. */
export function ordersApp(store: DocumentStore, options: { workMs: number }) {
  const orders = store.collection<Order>('orders', { versionField: 'version' });
  const app = express();
  app.use(express.json());
  app.put('/api/orders/:id', async (req, res) => {
    const request = req.body as UpdateOrderRequest;
    let attempt = 0;
    try {
      const order = await store.update(
        orders,
        req.params.id,
        async (o) => {
          attempt++;
          Object.assign(o, {
            productId: request.productId,
            quantity: request.quantity,
            status: request.status,
          });
          await new Promise((resolve) => setTimeout(resolve, options.workMs)); // the demo's slow work
        },
        // 3 attempts, 150 ms × attempt between them, as in the seed.
        { retry: { maxAttempts: 3, initialDelay: 150, multiplier: 2, jitter: 'none' } },
      );
      res.json({ message: 'Order updated', attempt, order });
    } catch (error) {
      if (error instanceof RetryExhaustedError) {
        res.status(409).json({
          message: 'Order update failed due to concurrent updates. Please retry.',
          orderId: req.params.id,
          attempts: error.attempts,
        });
        return;
      }
      if ((error as { code?: string }).code === 'DOCUMENT_NOT_FOUND') {
        res.status(404).json({ message: `Order ${req.params.id} not found` });
        return;
      }
      res.status(500).json({ message: 'Unexpected error' });
    }
  });
  app.get('/api/orders/:id', async (req, res) => {
    const order = await store.get(orders, req.params.id);
    if (order) res.json(order);
    else res.status(404).json({ message: `Order ${req.params.id} not found` });
  });
  return { app, orders };
}
