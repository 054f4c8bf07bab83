// The live loss chart: a polyline of the training loss per step on a canvas, y from the first
// loss down to the lowest seen so far, redrawn whole on every step (a few hundred points at most).

export function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[], steps: number): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: W, height: H } = canvas, pad = 28;
  g.clearRect(0, 0, W, H);
  g.strokeStyle = '#999';
  g.strokeRect(pad, 4, W - pad - 4, H - pad);
  if (losses.length === 0) return;
  const hi = Math.max(...losses), lo = Math.min(...losses), span = hi - lo || 1;
  const x = (i: number) => pad + ((W - pad - 4) * i) / Math.max(1, steps - 1);
  const y = (v: number) => 4 + ((H - pad) * (hi - v)) / span;
  g.fillStyle = '#444';
  g.font = '11px sans-serif';
  g.fillText(hi.toFixed(2), 2, 14);
  g.fillText(lo.toFixed(2), 2, H - pad);
  g.fillText(`step ${losses.length}/${steps}`, pad + 4, H - 8);
  g.strokeStyle = '#c0392b';
  g.beginPath();
  losses.forEach((v, i) => (i === 0 ? g.moveTo(x(i), y(v)) : g.lineTo(x(i), y(v))));
  g.stroke();
}
