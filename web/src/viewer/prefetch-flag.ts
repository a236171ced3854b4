/**
 * `?prefetch=0` turns off warming the next player, so the swipe benchmark can measure
 * the difference. Remembered for the tab so in-app navigation keeps it.
 */
export function prefetchEnabled(): boolean {
  const flag = new URLSearchParams(window.location.search).get('prefetch');
  if (flag !== null) sessionStorage.setItem('ds.prefetch', flag);
  return (flag ?? sessionStorage.getItem('ds.prefetch')) !== '0';
}
