import { redirect } from 'next/navigation';
import { currentOwner } from '../server/auth';

export default async function Home() {
  redirect((await currentOwner()) ? '/sites' : '/signin');
}
